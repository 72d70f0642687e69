"""Time and memory of `kg extract` on hostile inputs, each as a ratio to a normal file of the same size.

    python benchmarks/hostile.py [--mb 2] [--long 50]

Inputs are generated (nothing is committed): a run of spaces, 20,000-deep and unclosed HTML, 20,000 HTML
paragraphs, one line of several MB, a docx and a PDF bomb; the normal file is sample text with its line breaks, cut to
the same size. A ratio near 1 means the reader and rules stay linear on that input. `--long N` also prints
the throughput (MB/s) and peak RSS of one N MB text file, with its line breaks and as one line.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "002_ef8d9751ef9cfd10.txt"
HEAD = "某某市人民政府关于推进产教融合的实施方案\n\n"


def _fill(unit: str, size: int) -> str:
    return unit * (size // len(unit.encode("utf-8")) + 1)


def cases(folder: Path, size: int) -> dict[str, tuple[Path, Path]]:
    """name → (hostile file, normal file of the same size)."""
    sample = SAMPLE.read_text(encoding="utf-8")
    made = {}

    def pair(name: str, text: str, suffix: str = ".txt") -> None:
        data = text.encode("utf-8")
        hostile = folder / f"{name}{suffix}"
        hostile.write_bytes(data)
        normal = folder / f"{name}-normal.txt"
        normal.write_bytes(_fill(sample, len(data)).encode("utf-8")[:len(data)].decode("utf-8", "ignore")
                           .encode("utf-8"))
        made[name] = (hostile, normal)

    pair("spaces", HEAD + "一、任务" + " " * size + "（市教育局牵头）\n")
    pair("deep-html", "<html><body>" + "<div>" * (size // 11) + "曲靖市人民政府关于推进产教融合的实施方案"
         + "</div>" * (size // 11) + "</body></html>", ".html")
    pair("unclosed-html", "<html><body>" + _fill("<div><p><span>文字", size) + "</body></html>", ".html")
    para = "<p>（{i}）建设实训基地，推进校企合作。（市教育局牵头，市财政局配合）</p>"
    n = size // len(para.encode("utf-8"))
    pair("paragraphs-html", "<html><body><h1>曲靖市人民政府关于推进产教融合的实施方案</h1>"
         + "".join(para.format(i=i) for i in range(n)) + "</body></html>", ".html")
    pair("one-line", _fill(sample.replace("\n", ""), size))
    bomb = folder / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as fh:
            for _ in range(1024):
                fh.write(b"\0" * (1 << 20))
    made["docx-bomb-1GB"] = (bomb, made["spaces"][1])
    z, block = zlib.compressobj(9), b"\0" * (1 << 20)
    zeros = b"".join(z.compress(block) for _ in range(1024)) + z.flush()
    pdf = folder / "bomb.pdf"
    head = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] "
            b"/Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>\nendobj\n4 0 obj\n")
    length = b"<< /Filter /FlateDecode /Length " + str(len(zeros)).encode() + b" >>\nstream\n"
    pdf.write_bytes(head + length + zeros + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    made["pdf-bomb-1GB"] = (pdf, made["spaces"][1])
    return made


def measure(path: Path, *options: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `kg extract` on one file, in a child process."""
    script = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
              "subprocess.run([sys.executable, '-m', 'kg', 'extract', *sys.argv[1:]], stdout=subprocess.DEVNULL, "
              "stderr=subprocess.DEVNULL); w = time.perf_counter() - t; "
              "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", script, *options, str(path)], capture_output=True, text=True, cwd=ROOT,
                         timeout=3600).stdout.split()
    return float(out[0]), float(out[1])


def long_text(mb: float) -> None:
    """Throughput and peak RSS of `kg extract` on one long text file, with and without line breaks."""
    sample = SAMPLE.read_text(encoding="utf-8")
    size = int(mb * 1024 * 1024)
    print(f"| text file ({mb:g} MB) | seconds | MB/s | peak MB |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, unit in (("with line breaks", sample), ("one line", sample.replace("\n", ""))):
            path = Path(tmp) / "long.txt"
            path.write_bytes(_fill(unit, size).encode("utf-8")[:size].decode("utf-8", "ignore").encode("utf-8"))
            seconds, peak = measure(path, "--max-mb", str(int(mb) + 1))
            print(f"| {name} | {seconds:.1f} | {mb / seconds:.2f} | {peak:.0f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=2.0, help="size of each generated input")
    ap.add_argument("--long", type=float, default=0, help="also time one text file of this many MB")
    args = ap.parse_args()
    if args.long:
        long_text(args.long)
    with tempfile.TemporaryDirectory() as tmp:
        made = cases(Path(tmp), int(args.mb * 1024 * 1024))
        print(f"| input ({args.mb:g} MB) | seconds | peak MB | normal s | normal MB | time ratio | memory ratio |")
        print("|---|---|---|---|---|---|---|")
        for name, (hostile, normal) in made.items():
            hs, hm = measure(hostile)
            ns, nm = measure(normal)
            print(f"| {name} | {hs:.2f} | {hm:.0f} | {ns:.2f} | {nm:.0f} | {hs / ns:.2f} | {hm / nm:.2f} |",
                  flush=True)


if __name__ == "__main__":
    main()
