"""Component benchmarks: one part of cmmd each (media, latents, vocoder, negatives, contrastive loss, U-Net size and
FLOPs, latent cache, synthetic data, metrics, preparation), `python -m benchmarks.components.NAME`."""
