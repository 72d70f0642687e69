"""How many bytes a packed file (.docx, .pdf) unpacks to, measured on its bytes before any parser unpacks it
whole, so a small file that would unpack to gigabytes can be refused in bounded memory."""
from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterable, Iterator

_STEP = 1 << 16  # bytes of output asked from a decoder at a time


class TooLarge(Exception):
    """Raised inside the decoders as soon as a stream's running output passes the cap."""


def docx_unpacked(data: bytes) -> int:
    """Bytes the parts of a .docx unpack to, from the zip directory alone (raises zipfile's errors)."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return sum(info.file_size for info in z.infolist())


# A stream object: its dictionary ends with >> just before the `stream` keyword and its end of line.
_STREAM = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_FILTER = re.compile(rb"/(FlateDecode|Fl|LZWDecode|LZW|RunLengthDecode|RL|ASCII85Decode|A85|ASCIIHexDecode|AHx)"
                     rb"(?![A-Za-z0-9])")
_DICT_WINDOW = 4096  # how far back from `stream` its dictionary is looked for


def pdf_unpacked(data: bytes, cap: int) -> int:
    """Bytes a PDF's streams decode to, decoding each in steps and keeping nothing; stops once past `cap`.

    Every stream counts, images too: a stream's dictionary cannot be trusted to say what pdfminer will
    do with it (a content stream marked /Subtype /Image is still decoded as content). Filters are applied
    in their order, each as a generator whose output is capped too, so a chain such as two FlateDecode layers is measured without holding its output. A damaged stream counts what
    decoded before the damage (pdfminer reports or skips it when it reads the file)."""
    total = 0
    for m in _STREAM.finditer(data):
        head = data[max(0, m.start() - _DICT_WINDOW):m.start()]
        head = head[head.rfind(b" obj") + 1:] if b" obj" in head else head
        filters = [f.decode() for f in _FILTER.findall(head)]
        if not filters:
            continue
        end = data.find(b"endstream", m.end())
        body = data[m.end():end if end >= 0 else len(data)]
        chunks: Iterable[bytes] = [body]
        for name in filters:
            chunks = _capped(_DECODERS[name](chunks), cap)
        try:
            for chunk in chunks:
                total += len(chunk)
                if total > cap:
                    return total
        except TooLarge:
            return cap + 1
        except Exception:  # noqa: BLE001 - zlib, pdfminer's decoders: a damaged stream, already counted
            continue
    return total


def _capped(chunks: Iterable[bytes], cap: int) -> Iterator[bytes]:
    """The chunks, raising TooLarge once they add up to more than `cap` (an intermediate stage of a chain)."""
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        if seen > cap:
            raise TooLarge
        yield chunk


def _flate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    d = zlib.decompressobj()
    for chunk in chunks:
        buf = chunk
        while buf:
            out = d.decompress(buf, _STEP)
            if out:
                yield out
            buf = d.unconsumed_tail
            if d.eof:
                return
    while not d.eof:  # input is spent: drain what the decoder still holds, one step at a time
        out = d.decompress(b"", _STEP)
        if not out:
            return
        yield out


def _run_length(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """RunLengthDecode (PDF 32000 §7.4.5): a length byte, then literal bytes or one repeated byte; 128 ends."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        i, out = 0, bytearray()
        while i < len(pending):
            n = pending[i]
            if n == 128:
                yield bytes(out)
                return
            if n < 128:
                if i + 1 + n + 1 > len(pending):
                    break
                out += pending[i + 1:i + 2 + n]
                i += n + 2
            else:
                if i + 1 >= len(pending):
                    break
                out += pending[i + 1:i + 2] * (257 - n)
                i += 2
            if len(out) >= _STEP:
                yield bytes(out)
                out.clear()
        pending = pending[i:]
        if out:
            yield bytes(out)


def _lzw(chunks: Iterable[bytes]) -> Iterator[bytes]:
    from pdfminer.lzw import LZWDecoder

    yield from LZWDecoder(io.BytesIO(b"".join(chunks))).run()  # its input is capped by the stage before


def _whole(decode):
    def run(chunks: Iterable[bytes]) -> Iterator[bytes]:
        yield decode(b"".join(chunks))
    return run


def _ascii85(data: bytes) -> bytes:
    from pdfminer.ascii85 import ascii85decode

    return ascii85decode(data)


def _ascii_hex(data: bytes) -> bytes:
    from pdfminer.ascii85 import asciihexdecode

    return asciihexdecode(data)


_DECODERS = {
    "FlateDecode": _flate, "Fl": _flate,
    "RunLengthDecode": _run_length, "RL": _run_length,
    "LZWDecode": _lzw, "LZW": _lzw,
    "ASCII85Decode": _whole(_ascii85), "A85": _whole(_ascii85),  # these shrink: 5 → 4 and 2 → 1 bytes
    "ASCIIHexDecode": _whole(_ascii_hex), "AHx": _whole(_ascii_hex),
}
