"""The spaCy frame itself: character tokens, the components extraction runs, the optional agency gazetteer."""
from loaders.pipeline import build_pipeline, default_pipeline

TEXT = "（一）建设实训基地。（市教育局牵头，市财政局、市人力资源社会保障局配合）\n\n  完成时限：2025年底前。"


def test_one_token_per_character_and_runs_of_space():
    doc = default_pipeline().make_doc(TEXT)
    assert doc.text == TEXT
    assert [t.text for t in doc][:4] == ["（", "一", "）", "建"]
    assert "\n\n  " in [t.text for t in doc]  # a run of white space stays one token


def test_extraction_pipeline_marks_clauses_not_mentions():
    nlp = default_pipeline()
    assert "agency_ruler" not in nlp.pipe_names
    doc = nlp(TEXT)
    assert [sp.label_ for sp in doc.spans["role_clause"]] == ["PARENTHETICAL", "LABEL"]  # the 完成时限 line is a label clause
    assert "agency" not in doc.spans


def test_agency_mentions_on_request_carry_department_iris():
    nlp = build_pipeline(agency_mentions=True)
    doc = nlp(TEXT)
    mentions = {sp.text: sp.id_ for sp in doc.spans["agency"]}
    assert any("教育局" in name for name in mentions)
    assert all(iri.startswith("http") for iri in mentions.values())
    # the mentions do not change what the rule components mark
    assert [sp.label_ for sp in doc.spans["role_clause"]] == ["PARENTHETICAL", "LABEL"]  # the 完成时限 line is a label clause


def test_a_marker_is_read_as_the_patterns_alone_read_it():
    """marker_of settles most lines by their first character; what the numbering patterns say is unchanged for
    lines opening with any kind of white space, digit (full-width, Arabic-Indic) or numeral."""
    import re

    from loaders.patterns import MARKERS, marker_of

    def by_patterns(line):
        for kind, rx in MARKERS:
            m = rx.match(line)
            if m:
                rest = line[m.end():]
                if kind == "num" and re.match(r"^\d|^[年月日%％万亿个]", rest):
                    return None
                if kind == "cn" and len(m.group(1)) > 3:
                    return None
                return kind, line[m.start(1): m.end()].strip(), m.end()
        return None

    heads = ["", " ", "\u3000", "\t", "\u2003", "\xa0"]
    opens = ["一、", "十二、", "一二三四、", "（三）", "(3)", "（ 五 ）", "1.", "1．", "１．", "٣.", "12 ", "2021年", "3个",
             "一是", "五是“", "二〇二一年", "加强", "x1.", "—1—", "", "、"]
    for h in heads:
        for o in opens:
            for tail in ("", "加强组织领导", " 推进", "5%"):
                line = h + o + tail
                assert marker_of(line) == by_patterns(line), line


def test_white_space_tokens_as_a_split_at_every_run_gives_them():
    """The tokenizer looks only at runs of two or more and at single spaces; its tokens are those of splitting the
    text at every run of white space (a run one token, a lone space the trailing space of the token before it, a
    line break a token), on random mixes of characters and white space."""
    import random
    import re

    tokenizer = default_pipeline().tokenizer

    def by_runs(text):
        words, spaces, after_space = [], [], False
        for k, chunk in enumerate(re.split(r"(\s+)", text)):
            if not chunk:
                continue
            if k % 2 == 0:
                words += list(chunk)
                spaces += [False] * len(chunk)
                after_space = False
            elif chunk == " " and words and not spaces[-1] and not after_space:
                spaces[-1] = True
            else:
                words.append(chunk)
                spaces.append(False)
                after_space = True
        return words, spaces

    rnd = random.Random(7)
    alphabet = ["中", "a", "。", " ", "  ", "\n", "\t", "\u3000", "\xa0", " \n", "\n "]
    texts = [TEXT, "", " ", " 中", "中 ", "中  文", "中 \n 文"]
    texts += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 14))) for _ in range(2000)]
    for text in texts:
        doc = tokenizer(text)
        assert ([t.text for t in doc], [bool(t.whitespace_) for t in doc]) == by_runs(text), repr(text)
        assert doc.text == text
