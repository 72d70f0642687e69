"""Bytes → text for .txt, .docx, .pdf and .html files, with the encoding detected, not assumed."""
from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .webpage import html_text

SUFFIXES = (".txt", ".text", ".docx", ".pdf", ".html", ".htm")
DEFAULT_MAX_MB = 20.0


class LoaderError(Exception):
    """A file that cannot be read as a policy document; the message names the file and why."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass(frozen=True)
class Source:
    """A file's text as read: `text` is what offsets refer to (the decoded file, or the text layer)."""

    path: Path
    text: str
    encoding: str | None
    kind: str  # txt | docx | pdf | html


def readable_name(path: Path | str) -> str:
    """A file name as text whatever its encoding (GBK names read as GBK), with control characters escaped.

    Names that are not UTF-8 arrive as surrogate escapes, which no UTF-8 output can hold; a newline in a name
    could forge a line of an error report."""
    import os

    raw = os.fsencode(str(path))
    for enc in ("utf-8", "gb18030", "big5"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def decode_bytes(data: bytes, path: Path | str = "<bytes>") -> tuple[str, str]:
    """Decode bytes as UTF-8 (±BOM), UTF-16 (BOM), GB18030 or Big5; raise LoaderError on binary."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if _looks_binary(data):
        raise LoaderError(path, "binary content, not a text document")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        if err.start >= len(data) - 3:  # a multi-byte character cut off at the end of the file
            return data[: err.start].decode("utf-8"), "utf-8"
    replaced = data.decode("utf-8", errors="replace")
    bad = replaced.count("\ufffd")
    if bad <= max(8, len(replaced) // 500):  # a few stray bytes in a UTF-8 file: keep the file, mark them
        return replaced, f"utf-8 ({bad} invalid byte sequence{'s' if bad > 1 else ''} replaced)"
    candidates = []
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), enc, text))
    if not candidates:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise LoaderError(path, "unknown text encoding (not UTF-8, GB18030 or Big5)")
        return str(best), best.encoding
    candidates.sort(key=lambda c: c[0], reverse=True)
    return candidates[0][2], candidates[0][1]


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)  # C0 controls other than tab and line breaks


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls / len(head) > 0.05


# Common characters of government prose; the right decoding has many of them.
_COMMON = set("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞")


def _plausibility(text: str) -> float:
    cjk = [c for c in text[:20000] if "\u4e00" <= c <= "\u9fff"]
    if not cjk:
        return 0.0
    return sum(c in _COMMON for c in cjk) / len(cjk)


def file_bytes(path: Path | str, max_mb: float = DEFAULT_MAX_MB) -> bytes:
    """A regular file's bytes, checked before reading: a pipe, device or folder (which could block or never
    end), an empty file or one over the size limit is a LoaderError naming the file, and is never read."""
    import stat

    try:  # os, not pathlib: a rebuild checks every input file here (at 10k, Path objects were a third of it)
        st = os.stat(path)
    except FileNotFoundError:
        raise LoaderError(path, "no such file") from None
    if not stat.S_ISREG(st.st_mode):
        raise LoaderError(path, "not a regular file (a pipe, device or folder); refused unread")
    if st.st_size == 0:
        raise LoaderError(path, "empty file")
    if st.st_size > max_mb * 1024 * 1024:
        raise LoaderError(path, f"file too large ({st.st_size / 1048576:.1f} MB > {max_mb:g} MB limit; "
                                "raise it with --max-mb)")
    with open(path, "rb") as fh:
        return fh.read()


def read_source(path: Path | str, max_mb: float = DEFAULT_MAX_MB) -> Source:
    """Read one file into a Source; every failure is a LoaderError naming the file."""
    path = Path(path)
    data = file_bytes(path, max_mb)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        _check_inflation(data, path, max_mb, "docx")
        return Source(path, _docx_text(data, path), None, "docx")
    if suffix == ".pdf":
        _check_inflation(data, path, max_mb, "pdf")
        return Source(path, _pdf_text(data, path), None, "pdf")
    if suffix in (".html", ".htm"):
        text, enc = decode_bytes(data, path)
        return Source(path, html_text(text), enc, "html")
    if suffix not in (".txt", ".text", ""):
        raise LoaderError(path, f"unsupported file type {suffix!r} (use .txt, .docx, .pdf or .html)")
    text, enc = decode_bytes(data, path)
    text = _LONE_CR.sub("\n", text)  # old Mac line ends (CR only) become newlines, one for one
    if re.match(r"\s*<(!doctype html|html)", text[:200], re.I):
        return Source(path, html_text(text), enc, "html")
    return Source(path, text, enc, "txt")


_LONE_CR = re.compile(r"\r(?!\n)")
INFLATION_LIMIT = 20  # a .docx or .pdf may unpack to this many times --max-mb (text compresses about 5-10x)


def _check_inflation(data: bytes, path: Path, max_mb: float, kind: str) -> None:
    """Refuse a .docx or PDF that unpacks to more than INFLATION_LIMIT × --max-mb (a decompression bomb),
    measured before anything is unpacked whole: a .docx from its zip directory, a PDF by decoding its
    streams in steps."""
    from .inflation import docx_unpacked, pdf_unpacked

    limit = int(INFLATION_LIMIT * max_mb * 1024 * 1024)
    if kind == "docx":
        try:
            unpacked, more = docx_unpacked(data), ""
        except (zipfile.BadZipFile, ValueError, OSError) as err:
            raise LoaderError(path, f"not a readable .docx file ({type(err).__name__}: {err})") from None
    else:
        unpacked, more = pdf_unpacked(data, limit), "more than "
    if unpacked > limit:
        shown = f"{more}{limit / 1048576:.0f}" if more else f"{unpacked / 1048576:.0f}"
        raise LoaderError(path, f"the {'.docx' if kind == 'docx' else 'PDF'} unpacks to {shown} MB (limit "
                                f"{limit / 1048576:.0f} MB, {INFLATION_LIMIT}× --max-mb); refused as a "
                                f"decompression bomb")


_W_VAL = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val"


def _local(element) -> str:
    """An element's local name; "" for comments and processing instructions (their tag is not a string)."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _docx_text(data: bytes, path: Path) -> str:
    try:
        import docx
    except ImportError as err:  # pragma: no cover - dependency is declared
        raise LoaderError(path, f"python-docx is not installed ({err})") from err
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as err:  # python-docx raises several unrelated types for corrupt files
        raise LoaderError(path, f"not a readable .docx file ({type(err).__name__}: {err})") from err
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = _local(child)
        if tag == "p":
            lines.append("".join(t.text or "" for t in child.iter() if _local(t) == "t"))
        elif tag == "tbl":
            above: dict[int, str] = {}
            for row in child.iter():
                if not _local(row) == "tr":
                    continue
                cells = []
                for k, cell in enumerate(c for c in row if _local(c) == "tc"):
                    text = "".join(t.text or "" for t in cell.iter() if _local(t) == "t")
                    merge = [m for m in cell.iter() if _local(m) == "vMerge"]
                    if merge and merge[0].get(_W_VAL) in (None, "continue") and not text:
                        text = above.get(k, "")  # a vertically merged cell repeats the one above
                    above[k] = text
                    cells.append(text)
                lines.append("\t".join(cells))
    text = "\n".join(lines)
    if not text.strip():
        raise LoaderError(path, "the .docx file holds no text")
    return text


def _pdf_text(data: bytes, path: Path) -> str:
    try:
        from pdfminer.high_level import extract_text
    except ImportError as err:  # pragma: no cover - dependency is declared
        raise LoaderError(path, f"pdfminer.six is not installed ({err})") from err
    try:
        text = extract_text(io.BytesIO(data))
    except Exception as err:  # pdfminer raises many types for damaged files
        raise LoaderError(path, f"not a readable PDF ({type(err).__name__}: {err})") from err
    text = text.replace("\x0c", "\n")
    if not text.strip():
        raise LoaderError(path, "the PDF has no text layer (scanned image?); OCR it first")
    return text


def iter_paths(paths: list[Path | str]) -> list[Path]:
    """Expand files and folders into the sorted list of document files to read."""
    return [Path(name) for name in file_names(paths)]


def file_names(paths: list[Path | str]) -> list[str]:
    """iter_paths as strings, in the same order: a build keeps one per input file, and a Path costs 3–4× its
    string's memory (its parts, each interned: 384 against 103 bytes a file, benchmarks/index_memory.py)."""
    out: list[str] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted((name for name in _files_below(str(p)) if name.lower().endswith(SUFFIXES)
                               and not os.path.basename(name).startswith(".")), key=_path_order))
        else:
            out.append(str(p))
    return out


def _files_below(folder: str) -> Iterator[str]:
    """Every file below `folder`, at any depth, as the strings of Path.rglob's Paths — listed without making a Path
    per file, or a set of all of them as rglob does (at 100k files the listing held ~50 MB after it ended):
    symbolic links to folders are not followed, links to files are files, unreadable folders are skipped."""
    folders = [folder]
    while folders:
        here = folders.pop()
        try:
            with os.scandir(here) as listing:
                entries = list(listing)
        except PermissionError:
            continue
        for entry in entries:
            name = entry.name if here == "." else os.path.join(here, entry.name)
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(name)
                elif entry.is_file():
                    yield name
            except OSError:
                continue


def _path_order(name: str) -> str:
    """The order of Paths below one folder: part by part (case-insensitively where the system is) — as one string
    whose separators sort before any character a name holds."""
    return os.path.normcase(name).replace(os.sep, "\0")
