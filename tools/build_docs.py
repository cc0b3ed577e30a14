"""Build the documentation site offline into `_docs/`: nbdev's notebook processing, then a small HTML renderer.

`nbdev_docs` renders with the Quarto CLI; this script gives a browsable site without it. From the repository root:
`python tools/build_docs.py`, then `python tools/check_docs.py` opens every page in headless Chromium.

The nbdev half is what `nbdev_docs` does before it calls Quarto: `nbs/nbdev.yml` and `nbs/sidebar.yml` are
regenerated, and every notebook goes through nbdev's `FilterDefaults` processors (directives applied, `show_doc`
cells executed, symbols linked) into `_proc/`, where a result is reused while its notebook, settings.ini and
cmmd/_modidx.py are unchanged. The HTML half reads what Quarto would read: the frontmatter (`title`, `description`,
`output-file`), the Quarto cell options nbdev leaves in code cells (`echo`, `output: asis`, `include`, `code-fold`),
markdown with `$` math (written as MathML, which browsers render without scripts) and the stored outputs
(figures become files next to the page; HTML outputs such as audio and video players are kept as they are).
Pages, the sidebar (in `sidebar.yml` order) and the heading anchors follow Quarto's names, so nbdev's doc links
(`core.html#clipspec`) resolve inside the site.
"""
import argparse, base64, html, json, multiprocessing, os, re, shutil, sys, time, warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

import jinja2
import mistune
import yaml
from latex2mathml.converter import convert as tex_to_mathml
from nbconvert.filters.ansi import ansi2html
from nbdev.config import get_config
from nbdev.doclinks import nbglob
from nbdev.processors import FilterDefaults
from nbdev.quarto import nbdev_sidebar, refresh_quarto_yml
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound
import nbdev.serve_drv

ASSETS = Path(__file__).resolve().parent / "docs"
# Output kinds in order of preference, as a browser-only renderer can show them.
MIME_ORDER = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "image/gif", "text/markdown", "text/latex",
              "text/plain")
IMAGE_EXT = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}


# ---------------------------------------------------------------------------------------------------------------
# nbdev's processing (the part of `nbdev_proc_nbs` that does not need Quarto)

def process_notebook(src: str, dst: str) -> tuple[str | None, list[str]]:
    "Process one notebook with nbdev's `FilterDefaults` into `dst`; return (error or None, warnings)."
    src, dst, main_module = Path(src), Path(dst), sys.modules["__main__"]
    os.chdir(src.parent)  # the notebook's own folder, as when it runs in Jupyter or nbdev_test
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try: nbdev.serve_drv.main((src, dst, FilterDefaults))
        except Exception as e:
            cause = e.__cause__ or e.__context__
            head, _, cell = str(e).partition("\n")  # nbdev's "Error in notebook: <title> in cell <n> :", then the cell
            code = next((l.strip() for l in cell.splitlines() if l.strip() and not l.startswith("#|")), "")
            return (f"{head.rstrip(' :')} (`{code[:100]}`): " + (f"{type(cause).__name__}: {cause}" if cause else "")
                    + ". nbdev runs each exported cell and each cell with an import to render show_doc."), []
        finally: sys.modules["__main__"] = main_module  # IPython's shell replaces it; the next task needs ours
    notes = []
    for w in caught:
        msg = str(w.message)
        if msg.startswith("Found cells containing imports and other code"):
            first = next((l for l in msg.split("---")[1].splitlines() if l.strip()), "") if "---" in msg else ""
            msg = f"a cell mixes imports with other code, so nbdev runs all of it for show_doc: `{first.strip()}`"
        notes.append(msg.splitlines()[0] if len(msg) > 300 else msg)
    return None, notes


def process_all(todo: list[tuple[Path, Path]], workers: int, log) -> dict[Path, str]:
    "Process notebooks in parallel (spawned workers, as nbdev does); return {notebook: error}."
    errors = {}
    if not todo: return errors
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, min(workers, len(todo))), mp_context=ctx) as pool:
        futs = {pool.submit(process_notebook, str(s), str(d)): s for s, d in todo}
        for fut in as_completed(futs):
            src = futs[fut]
            try: err, notes = fut.result()
            except Exception as e: err, notes = f"{type(e).__name__}: {e}", []
            for n in notes: log(f"  note: {src.name}: {n}")
            if err:
                errors[src] = err
                dst = dict(todo)[src]
                if dst.exists(): dst.unlink()  # never reuse a stale result
                log(f"  FAILED {src.name}")
            else: log(f"  processed {src.name}")
    return errors


# ---------------------------------------------------------------------------------------------------------------
# Markdown with math, Quarto-style heading ids and link attributes

_re_fence = re.compile(r"^( {0,3})(`{3,}|~{3,})")
_re_math = re.compile(r"(?P<code>(`+)[\s\S]*?(?<!`)\2(?!`))"
                      r"|(?<!\\)\$\$(?P<display>[\s\S]+?)(?<!\\)\$\$"
                      r"|(?<![\\$])\$(?![\s$])(?P<inline>(?:[^$\\]|\\[\s\S])+?)(?<![\s\\])\$(?!\d)")
_re_link_attrs = re.compile(r"\[([^\]\n]*)\]\(([^)\s]+)\)\{([^}\n]*)\}")
_re_heading_attrs = re.compile(r'\s*\{((?:\s*(?:#[\w.:-]+|\.[\w-]+|[\w-]+=(?:"[^"]*"|[^\s}]+)))+)\s*\}\s*$')
_re_attr = re.compile(r'([\w-]+)="([^"]*)"|([\w-]+)=(\S+)|\.([\w-]+)|#([\w.:-]+)')


def pandoc_id(text: str) -> str:
    "The identifier pandoc (and so Quarto) gives a heading with plain text `text`."
    s = "".join(c for c in text if c.isalnum() or c in "_-. \t\n")
    s = "-".join(s.split()).lower()
    while s and not s[0].isalpha(): s = s[1:]
    return s or "section"


def attrs_html(spec: str) -> str:
    "Pandoc attributes `{key=\"v\" .cls #id}` as HTML attributes."
    out, classes = [], []
    for k, v, k2, v2, cls, ident in _re_attr.findall(spec):
        if k or k2: out.append(f'{k or k2}="{html.escape(v or v2)}"')
        elif cls: classes.append(cls)
        elif ident: out.append(f'id="{html.escape(ident)}"')
    if classes: out.append(f'class="{" ".join(classes)}"')
    return " ".join(out)


def plain(fragment: str) -> str:
    "Text of an HTML fragment."
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


class Page:
    "One notebook of the site: where it comes from, where it goes, and what was found while rendering it."
    def __init__(self, src: Path, nbs: Path, proc: Path, order: int, section: str | None):
        self.src, self.source, self.proc = src, f"{nbs.name}/{src.relative_to(nbs).as_posix()}", proc
        self.order, self.section = order, section
        nb = json.loads(proc.read_text(encoding="utf-8"))
        self.cells, fm = nb["cells"], {}
        if self.cells and self.cells[0]["cell_type"] == "raw":
            text = "".join(self.cells[0]["source"])
            if text.strip().startswith("---"):
                fm = yaml.safe_load(text.strip().strip("-")) or {}
                self.cells = self.cells[1:]
        self.fm = fm
        self.title = str(fm.get("title") or src.stem)
        self.description = fm.get("description", "")
        name, folder = fm.get("output-file") or src.with_suffix(".html").name, src.relative_to(nbs).parent
        self.out = name if folder == Path(".") else f"{folder.as_posix()}/{name}"  # a path inside the site


class Site:
    "Renders pages; knows every page, so links between notebooks and to nbdev's doc URLs become relative."
    def __init__(self, cfg, pages: list[Page], out: Path):
        self.cfg, self.pages, self.out = cfg, pages, out
        self.nbs = Path(cfg.nbs_path)
        self.by_src = {p.src.resolve(): p for p in pages}
        host, base = cfg.get("doc_host", ""), cfg.get("doc_baseurl", "")
        self.doc_base = urljoin(host.rstrip("/") + "/", base.strip("/")).rstrip("/") + "/" if host else None
        self.problems: list[str] = []
        formatter = HtmlFormatter(cssclass="highlight")
        self.formatter, self.pygments_css = formatter, formatter.get_style_defs(".highlight")
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(ASSETS), autoescape=True,
                                 undefined=jinja2.StrictUndefined)
        self.template = env.get_template("page.html")

    # -- per page state
    def _start(self, page: Page):
        self.page, self.ids, self.toc, self.n_img = page, set(), [], 0
        self.md = mistune.create_markdown(renderer=_Renderer(self), plugins=["table", "strikethrough", "footnotes"])

    def rel(self, target: str) -> str:
        "A site path (relative to the site root) as seen from the current page."
        return os.path.relpath(target, PurePosixPath(self.page.out).parent.as_posix())

    def anchor(self, text: str, explicit: str | None = None) -> str:
        hid = explicit or pandoc_id(text)
        if hid in self.ids and not explicit:
            i = 1
            while f"{hid}-{i}" in self.ids: i += 1
            hid = f"{hid}-{i}"
        self.ids.add(hid)
        return hid

    def problem(self, msg: str): self.problems.append(f"{self.page.source}: {msg}")

    # -- markdown
    def markdown(self, text: str, attachments: dict | None = None) -> str:
        "Render notebook markdown (with `$` math and pandoc link attributes) to HTML."
        self.attachments = attachments or {}
        maths: list[tuple[str, bool]] = []

        def protect(m):
            if m.group("code") is not None: return m.group(0)
            tex, display = (m.group("display"), True) if m.group("display") is not None else (m.group("inline"), False)
            if not display and "\n\n" in tex: return m.group(0)
            maths.append((tex, display))
            return f"MATHXPH{len(maths) - 1}XPH"

        lines, out, chunk, fence = text.splitlines(keepends=True), [], [], None
        for line in lines:  # math only outside fenced code blocks
            m = _re_fence.match(line)
            if fence is None and m:
                out.append(_re_math.sub(protect, "".join(chunk))); chunk = []; fence = m.group(2)
                out.append(line)
            elif fence is not None:
                out.append(line)
                if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]): fence = None
            else: chunk.append(line)
        out.append(_re_math.sub(protect, "".join(chunk)))
        src = _re_link_attrs.sub(lambda m: f'<a href="{html.escape(m.group(2))}" {attrs_html(m.group(3))}>'
                                           f'{m.group(1)}</a>', "".join(out))
        res = self.md(src)

        def restore(m):
            tex, display = maths[int(m.group(1))]
            try: return tex_to_mathml(tex.strip(), display="block" if display else "inline")
            except Exception as e:
                self.problem(f"math that could not be converted ({type(e).__name__}: {e}): {tex.strip()[:80]}")
                return f'<code class="math-error">{html.escape(tex)}</code>'
        return re.sub(r"MATHXPH(\d+)XPH", restore, res)

    def code_block(self, code: str, lang: str | None) -> str:
        try: lexer = get_lexer_by_name(lang or "text")
        except ClassNotFound: lexer = get_lexer_by_name("text")
        return highlight(code, lexer, self.formatter)

    # -- cells
    def cell_options(self, source: str) -> tuple[dict, str]:
        "Split the Quarto options (`#| key: value`) at the top of a code cell from its code."
        opts, lines = {}, source.splitlines()
        while lines and lines[0].lstrip().startswith("#|"):
            body = lines.pop(0).lstrip()[2:].strip()
            if ":" in body:
                k, v = body.split(":", 1)
                try: opts[k.strip()] = yaml.safe_load(v) if v.strip() else True
                except yaml.YAMLError: opts[k.strip()] = v.strip()
            elif body: opts[body.split()[0]] = True
        return opts, "\n".join(lines).strip("\n")

    def image(self, data, mime: str, meta: dict, alt: str) -> str:
        "Write an image output next to the page (as Quarto does) and return its <img>."
        self.n_img += 1
        stem = PurePosixPath(self.page.out).with_suffix("").as_posix()
        name = f"{stem}_files/figure-html/output-{self.n_img}.{IMAGE_EXT[mime]}"
        dest = self.out / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(data) if isinstance(data, list) else data
        dest.write_bytes(text.encode() if mime == "image/svg+xml" else base64.b64decode(text))
        size = "".join(f' {k}="{int(meta[k])}"' for k in ("width", "height") if isinstance(meta.get(k), (int, float)))
        return f'<img src="{self.rel(name)}" alt="{html.escape(alt)}"{size}>'

    def output(self, o: dict, asis: bool) -> str:
        kind = o["output_type"]
        if kind == "stream":
            return f'<pre class="{o.get("name", "stdout")}">{ansi2html("".join(o.get("text", "")))}</pre>'
        if kind == "error":
            return f'<pre class="error">{ansi2html(chr(10).join(o.get("traceback", [])))}</pre>'
        data, meta = o.get("data", {}), o.get("metadata", {})
        text = {k: "".join(v) if isinstance(v, list) else v for k, v in data.items() if k != "application/json"}
        if asis and ("text/markdown" in text or "text/plain" in text):
            return self.markdown(text.get("text/markdown", text.get("text/plain", "")))
        if "application/vnd.jupyter.widget-view+json" in data:
            return '<p class="widget-note">An interactive widget: run the notebook to use it.</p>'
        for mime in MIME_ORDER:
            if mime not in text: continue
            if mime == "text/html": return text[mime]
            if mime in IMAGE_EXT:
                return self.image(data[mime], mime, meta.get(mime, {}) or {}, text.get("text/plain", "figure"))
            if mime == "text/markdown": return self.markdown(text[mime])
            if mime == "text/latex" and text[mime].strip().startswith("$"): return self.markdown(text[mime])
            return f"<pre>{ansi2html(text[mime])}</pre>"
        return ""

    def cell(self, c: dict) -> str:
        src = "".join(c.get("source", ""))
        if c["cell_type"] == "markdown":
            return f'<div class="markdown">{self.markdown(src, c.get("attachments"))}</div>' if src.strip() else ""
        if c["cell_type"] == "raw":
            fmt = c.get("metadata", {}).get("format") or c.get("metadata", {}).get("raw_mimetype", "")
            return src if fmt in ("text/html", "html") else ""
        opts, code = self.cell_options(src)
        if opts.get("include") is False: return ""
        parts = []
        if code.strip() and opts.get("echo", True) is not False:
            lang = c.get("metadata", {}).get("language") or "python"
            block = self.code_block(code, lang)
            fold = opts.get("code-fold")
            if fold in (True, "show"):
                summary = html.escape(str(opts.get("code-summary", "Code")))
                block = f'<details class="code-fold"{" open" if fold == "show" else ""}><summary>{summary}</summary>{block}</details>'
            parts.append(f'<div class="cell-input">{block}</div>')
        shown = opts.get("output", True)
        if shown is not False:
            outs = [self.output(o, asis=shown == "asis") for o in c.get("outputs", [])]
            outs = [o for o in outs if o.strip()]
            if shown == "asis": parts += outs
            elif outs: parts.append('<div class="cell-output">' + "\n".join(outs) + "</div>")
        return f'<div class="cell">{"".join(parts)}</div>' if parts else ""

    # -- links
    def fix_url(self, url: str) -> str:
        "Links to notebooks as links inside the site; local files copied into it."
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path or url.startswith(("#", "/")): return url
        target = (self.page.src.parent / parts.path).resolve()
        if target.suffix == ".ipynb" and target in self.by_src:
            return self.rel(self.by_src[target].out) + (f"#{parts.fragment}" if parts.fragment else "")
        if target.is_file() and self.nbs.resolve() in target.parents:  # an image or file beside the notebooks
            name = target.relative_to(self.nbs.resolve()).as_posix()
            (self.out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(target, self.out / name)
            return self.rel(name) + (f"#{parts.fragment}" if parts.fragment else "")
        return url

    def body(self, page: Page):
        "Render the cells of `page` into `page.body`, with its table of contents and the ids it defines."
        self._start(page)
        body = "\n".join(filter(None, (self.cell(c) for c in page.cells)))
        def fix(m):
            if m.group(2).startswith("data:"): return m.group(0)
            url = html.unescape(m.group(2))
            new = self.fix_url(url)
            return m.group(0) if new == url else f'{m.group(1)}{html.escape(new)}"'
        page.body, page.toc = re.sub(r'(\s(?:href|src)=")([^"]*)"', fix, body), self.toc
        page.ids = set(re.findall(r'\sid="([^"]+)"', page.body))

    def doc_link(self, m) -> str:
        """An nbdev doc link (`[`sym`](doc_host/page.html#sym)`) as a link inside the site.

        nbdev links every symbol of `_modidx.py`, but only documented ones have a section: a method without its
        own `show_doc` goes to its class's section, and a private name that has none stays plain code."""
        url, attrs, inner = html.unescape(m.group(1)), m.group(2), m.group(3)
        path, _, frag = url[len(self.doc_base):].partition("#")
        path = path or "index.html"
        target = next((p for p in self.pages if p.out == path), None)
        if frag and target and frag not in target.ids and re.fullmatch(r"<code>[^<]*</code>", inner):
            owner = frag.rsplit(".", 1)[0] if "." in frag else None
            if owner not in target.ids: return inner
            frag = owner
        return f'<a href="{html.escape(self.rel(path) + (f"#{frag}" if frag else ""))}"{attrs}>{inner}</a>'

    def render(self, page: Page, prev: Page | None, next_: Page | None) -> str:
        "The whole HTML page (after `body` has run for every page, so that doc links can be checked)."
        self.page = page
        body = page.body
        if self.doc_base:
            body = re.sub(rf'<a href="({re.escape(self.doc_base)}[^"]*)"([^>]*)>(.*?)</a>', self.doc_link, body)
        site = dict(title=self.cfg.get("title", self.cfg.lib_name), description=self.cfg.get("description", ""),
                    git_url=self.cfg.get("git_url", ""), branch=self.cfg.get("branch", "main"))
        return self.template.render(page=page, pages=self.pages, body=body, toc=page.toc, site=site,
                                    prev=prev, next=next_, rel=self.rel)


class _Renderer(mistune.HTMLRenderer):
    "mistune's HTML with Quarto's heading ids (and a table of contents) and highlighted code."
    def __init__(self, site: Site):
        super().__init__(escape=False)
        self.site = site

    def heading(self, text, level, **attrs):
        explicit = None
        m = _re_heading_attrs.search(text)
        if m:
            text = text[:m.start()]
            explicit = next((i for *_, i in _re_attr.findall(m.group(1)) if i), None)
        words = re.sub(r"MATHXPH\d+XPH", "", text)
        hid = self.site.anchor(plain(words), explicit)
        if level in (2, 3): self.site.toc.append((level, hid, plain(words).strip()))
        return (f'<h{level} id="{hid}" class="anchored">{text}'
                f'<a class="anchor-link" href="#{hid}" aria-label="Link to this section">#</a></h{level}>\n')

    def block_code(self, code, info=None):
        lang = info.split()[0].strip("{}.") if info else None
        return self.site.code_block(code, lang)

    def image(self, text, url, title=None):
        if url.startswith("attachment:"):
            name = url.split(":", 1)[1]
            att = self.site.attachments.get(name, {})
            if att:
                mime, data = next(iter(att.items()))
                url = f"data:{mime};base64,{''.join(data) if isinstance(data, list) else data}"
            else: self.site.problem(f"missing attachment {name}")
        return super().image(text, url, title)


# ---------------------------------------------------------------------------------------------------------------

def sidebar_order(nbs: Path) -> list[tuple[str, str | None]]:
    "(notebook path relative to nbs/, section) in the order of nbdev's sidebar.yml."
    yml = nbs / "sidebar.yml"
    if not yml.exists(): return []
    def walk(contents, section):
        for o in contents or []:
            if isinstance(o, str): yield o, section
            elif isinstance(o, dict):
                if o.get("href"): yield o["href"], o.get("section", section)
                yield from walk(o.get("contents"), o.get("section", section))
    data = yaml.safe_load(yml.read_text(encoding="utf-8")) or {}
    return list(walk(data.get("website", {}).get("sidebar", {}).get("contents"), None))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="process every notebook again (ignore _proc/)")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="notebooks processed at once")
    args = ap.parse_args()
    t0 = time.time()
    cfg = get_config()
    root, nbs, out = Path(cfg.config_path), Path(cfg.nbs_path), Path(cfg.doc_path)
    proc = root / "_proc"
    log = lambda s: print(s, flush=True)

    refresh_quarto_yml()  # nbs/nbdev.yml (and _quarto.yml if missing), as nbdev_docs does
    nbdev_sidebar.__wrapped__(path=nbs)  # nbs/sidebar.yml in notebook order, unless settings.ini has custom_sidebar
    notebooks = nbglob(nbs, func=Path, skip_folder_re=r"(?:^[_.]|^www\$)")
    order = {(nbs / p).resolve(): (i, s) for i, (p, s) in enumerate(sidebar_order(nbs))}
    notebooks = sorted(notebooks, key=lambda p: (order.get(p.resolve(), (len(order), None))[0], str(p)))

    newest_input = max((root / "settings.ini").stat().st_mtime,
                       *(p.stat().st_mtime for p in (root / cfg.lib_path.name / "_modidx.py",) if p.exists()))
    dests = {nb: proc / nb.relative_to(nbs) for nb in notebooks}
    todo = [(nb, d) for nb, d in dests.items()
            if args.force or not d.exists() or d.stat().st_mtime < max(nb.stat().st_mtime, newest_input)]
    for d in {d.parent for _, d in todo}: d.mkdir(parents=True, exist_ok=True)
    log(f"processing {len(todo)} of {len(notebooks)} notebooks with nbdev ({len(notebooks) - len(todo)} unchanged in _proc/)")
    t1 = time.time()
    errors = process_all(todo, args.workers, log)
    t_proc = time.time() - t1

    pages = [Page(nb, nbs, dests[nb], i, order.get(nb.resolve(), (0, None))[1])
             for i, nb in enumerate(notebooks) if nb not in errors]
    seen = {}
    for p in pages:
        if p.out in seen: errors[p.src] = f"writes {p.out}, as {seen[p.out].source} does"
        seen[p.out] = p
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    site = Site(cfg, pages, out)
    (out / "site.css").write_text((ASSETS / "site.css").read_text(encoding="utf-8") + "\n" + site.pygments_css + "\n",
                                  encoding="utf-8")
    for page in pages: site.body(page)
    for i, page in enumerate(pages):
        dest = out / page.out
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(site.render(page, pages[i - 1] if i else None, pages[i + 1] if i + 1 < len(pages) else None),
                        encoding="utf-8")
    (out / ".nojekyll").touch()

    for src, err in errors.items(): log(f"ERROR {src.relative_to(root)}: {err}")
    for p in site.problems: log(f"ERROR {p}")
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 2**20
    log(f"built {len(pages)} pages into {out.relative_to(root)}/ ({size:.1f} MiB) in {time.time() - t0:.1f} s "
        f"(nbdev processing {t_proc:.1f} s)")
    if errors or site.problems:
        log(f"docs build failed: {len(errors)} notebook(s) could not be processed, {len(site.problems)} rendering problem(s)")
        sys.exit(1)


if __name__ == "__main__":
    main()
