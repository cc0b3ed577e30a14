"""Open every page of the built docs site in headless Chromium and fail on broken internal links, images or page errors.

Run from the repository root after `python tools/build_docs.py`: `python tools/check_docs.py`. The site is served
from `_docs/` on a loopback port; Chromium is driven through the system chromedriver (Debian's `chromium` and
`chromium-driver` packages), given by path so that Selenium never downloads a driver or a browser.

For every page it checks that the page loads without a console error (an uncaught script error, a resource that
failed to load), that every image loaded (`naturalWidth > 0`), that every audio and video player loaded its media
(`readyState` at least HAVE_METADATA, no `MediaError`), and that every internal link points to a file of the site and,
when it has a `#fragment`, to an element with that id on the target page. External links are counted, not fetched.
Exits 1 on any failure, after a summary.
"""
import argparse, functools, http.server, os, shutil, sys, threading, time
from collections import defaultdict
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never reach for the network
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

# Run in the page: wait for images and media, then report ids, links, images and players.
_INSPECT = """
const done = arguments[arguments.length - 1], timeout = arguments[0], t0 = Date.now();
const media = [...document.querySelectorAll('audio, video')];
media.forEach(m => { if (m.readyState === 0 && !m.error) { m.preload = 'metadata'; m.load(); } });
document.querySelectorAll('img[loading="lazy"]').forEach(i => { i.loading = 'eager'; });
(function poll() {
  const imgsDone = [...document.images].every(i => i.complete);
  const mediaDone = media.every(m => m.readyState >= 1 || m.error);
  if ((imgsDone && mediaDone) || Date.now() - t0 > timeout) {
    const short = s => (s || '').startsWith('data:') ? (s || '').slice(0, 40) + '...' : (s || '');
    done({
      ids: [...document.querySelectorAll('[id]')].map(e => e.id)
             .concat([...document.querySelectorAll('a[name]')].map(e => e.name)),
      links: [...document.querySelectorAll('a[href]')].map(a => [a.getAttribute('href'), a.href]),
      images: [...document.images].map(i => [short(i.getAttribute('src')), i.complete, i.naturalWidth]),
      media: media.map(m => [m.tagName.toLowerCase(), short(m.currentSrc || m.src), m.readyState,
                             m.error ? m.error.code : 0, m.duration]),
    });
  } else setTimeout(poll, 50);
})();
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass


def serve(site: Path):
    "Serve `site` on a free loopback port in a thread; returns (server, base URL)."
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def make_driver(chromium: str, chromedriver: str) -> webdriver.Chrome:
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--mute-audio",
              "--no-first-run", "--disable-extensions", "--window-size=1280,900"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=chromedriver), options=opts)


def find_binary(given: str | None, *names: str) -> str | None:
    for n in ([given] if given else list(names)):
        p = shutil.which(n) or (n if Path(n).is_file() else None)
        if p: return p
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", default="_docs", help="the built site")
    ap.add_argument("--chromium", help="the browser (default: chromium on PATH)")
    ap.add_argument("--chromedriver", help="the driver (default: chromedriver on PATH)")
    ap.add_argument("--timeout", type=float, default=20, help="seconds a page may take to load its images and media")
    args = ap.parse_args()
    site = Path(args.site).resolve()
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    if not pages: sys.exit(f"check_docs: no pages in {site}: run `python tools/build_docs.py` first")
    chromium = find_binary(args.chromium, "chromium", "chromium-browser", "/usr/bin/chromium")
    driver_path = find_binary(args.chromedriver, "chromedriver", "/usr/bin/chromedriver")
    if not chromium or not driver_path:
        sys.exit("check_docs: Chromium or chromedriver not found: `apt-get install -y chromium chromium-driver` "
                 "(or pass --chromium and --chromedriver)")

    t0 = time.time()
    server, base = serve(site)
    failures: dict[str, list[str]] = defaultdict(list)
    ids: dict[str, set] = {}
    links: dict[str, list] = {}
    n = dict(images=0, media=0, external=0, internal=0, anchors=0)
    try: driver = make_driver(chromium, driver_path)
    except WebDriverException as e:
        server.shutdown()
        sys.exit(f"check_docs: could not start {chromium} through {driver_path}: {e.msg}")
    try:
        driver.set_page_load_timeout(args.timeout * 3)
        driver.set_script_timeout(args.timeout + 10)
        for page in pages:
            driver.get(base + page)
            info = driver.execute_async_script(_INSPECT, args.timeout * 1000)
            for entry in driver.get_log("browser"):
                if entry.get("level") == "SEVERE": failures[page].append(f"page error: {entry.get('message', '')[:300]}")
            ids[page], links[page] = set(info["ids"]), info["links"]
            for src, complete, width in info["images"]:
                n["images"] += 1
                if not complete or not width: failures[page].append(f"image did not load: {src}")
            for tag, src, ready, err, duration in info["media"]:
                n["media"] += 1
                if err or ready < 1:
                    failures[page].append(f"{tag} did not load ({'MediaError ' + str(err) if err else 'no metadata'}): {src}")
    finally:
        driver.quit()
        server.shutdown()

    for page, page_links in links.items():  # every internal link: the file exists; a #fragment exists on that page
        for raw, resolved in page_links:
            if not resolved.startswith(base):
                n["external"] += urlsplit(resolved).scheme in ("http", "https")
                continue
            n["internal"] += 1
            url, frag = urldefrag(resolved)
            target = unquote(urlsplit(url).path[len(urlsplit(base).path):]) or "index.html"
            if target.endswith("/"): target += "index.html"
            if not (site / target).is_file():
                failures[page].append(f"broken link: {raw} ({target} does not exist)")
            elif frag:
                n["anchors"] += 1
                if target in ids and unquote(frag) not in ids[target]:
                    failures[page].append(f"broken link: {raw} (no element with id '{unquote(frag)}' on {target})")

    for page in pages:
        for f in failures.get(page, []): print(f"FAIL {page}: {f}")
    bad = sum(len(v) for v in failures.values())
    print(f"check_docs: {len(pages)} pages in headless Chromium, {n['internal']} internal links "
          f"({n['anchors']} with anchors), {n['images']} images, {n['media']} audio/video players, "
          f"{n['external']} external links not followed; {bad} failure(s) on {len(failures)} page(s) "
          f"in {time.time() - t0:.1f} s")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
