#!/usr/bin/env bash
# Builds the two demo corpora embedded in jgrad-examples, from Debian packages:
#
#   kjv.txt.gz       the King James Bible (public domain), from bible-kjv + bible-kjv-text.
#                    One document per chapter. Documents are separated by ONE BLANK LINE.
#                    A document is a title line "<Book> <chapter>" followed by one verse per line,
#                    each verse prefixed by its number: "1 In the beginning God created ...".
#   fortunes.txt.gz  BSD-licensed fortune-mod cookies (modern English), from fortunes + fortunes-min.
#                    One document per fortune. Documents are separated by a line holding only "%"
#                    (the fortune-file convention); there is no "%" line before the first or after
#                    the last fortune. Fortunes keep their inner blank lines and tab indentation.
#
# Both files are UTF-8 (in practice ASCII), end with "\n", and are written with `gzip -9n`, so the
# bytes are reproducible from the same package versions. Run from anywhere on a Debian/Ubuntu box
# with apt sources (apt-get download needs no root) and /usr/bin/python3:
#
#     examples/scripts/make-corpora.sh
#
# The fortune files taken are listed in FORTUNE_FILES below, with the reason for every exclusion.
set -euo pipefail

EXAMPLES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT_DIR="$EXAMPLES_DIR/src/main/resources/dev/jgrad/examples/corpora"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The fortune-mod data files documented in upstream's own list of its inoffensive collection
# (cookie-files, "./datfiles/"), which the package's copyright file places under the BSD licence.
# Left out, deliberately:
#   cookie, linuxcookie      - credited to other collections (Karl Lehenbauer's alt.sources postings,
#                              ftp.icce.rug.nl), with no licence grant of their own
#   zippy, startrek          - quotations from a copyrighted comic strip and TV series
#   ethnic                   - group jokes; kept out of a demo corpus as a matter of taste
#   ascii-art, translate-me  - pictures and untranslated non-English text, not modern English prose
#   debian, disclaimer, knghtbrd, linux, paradoxum, perl, pratchett, tao
#                            - Debian-era additions absent from upstream's list; provenance unstated
# The offensive set (fortunes-off) is not used at all; Debian no longer ships it.
FORTUNE_FILES="art computers definitions drugs education food fortunes goedel humorists kids law
literature love magic medicine men-women miscellaneous news people pets platitudes politics riddles
science songs-poems sports wisdom work"

cd "$WORK"
apt-get download bible-kjv bible-kjv-text fortunes fortunes-min >/dev/null 2>&1 \
    || apt-get download bible-kjv bible-kjv-text fortunes fortunes-min
for deb in *.deb; do
    echo "using $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)"
    dpkg-deb -x "$deb" root
done

# The bible program decompresses its own packed text; -f turns pretty-printing off, which prints
# one verse per line as "Ge1:1 In the beginning ...". Genesis 1:1 to Revelation 22:21 is all of it.
./root/usr/bin/bible -f -p "$WORK/root/usr/lib" Gen1:1-Rev22:21 > kjv-raw.txt

mkdir -p "$OUT_DIR"
/usr/bin/python3 - "$WORK" "$OUT_DIR" $FORTUNE_FILES <<'PY'
import os, re, sys

work, out_dir, fortune_files = sys.argv[1], sys.argv[2], sys.argv[3:]

# ---- King James Bible: chapters as documents -------------------------------------------------
BOOKS = [  # the bible program's abbreviation -> the book's name
    ("Ge", "Genesis"), ("Exo", "Exodus"), ("Lev", "Leviticus"), ("Num", "Numbers"),
    ("Deu", "Deuteronomy"), ("Josh", "Joshua"), ("Jdgs", "Judges"), ("Ruth", "Ruth"),
    ("1Sm", "1 Samuel"), ("2Sm", "2 Samuel"), ("1Ki", "1 Kings"), ("2Ki", "2 Kings"),
    ("1Chr", "1 Chronicles"), ("2Chr", "2 Chronicles"), ("Ezra", "Ezra"), ("Neh", "Nehemiah"),
    ("Est", "Esther"), ("Job", "Job"), ("Psa", "Psalms"), ("Prv", "Proverbs"),
    ("Eccl", "Ecclesiastes"), ("SSol", "Song of Solomon"), ("Isa", "Isaiah"), ("Jer", "Jeremiah"),
    ("Lam", "Lamentations"), ("Eze", "Ezekiel"), ("Dan", "Daniel"), ("Hos", "Hosea"),
    ("Joel", "Joel"), ("Amos", "Amos"), ("Obad", "Obadiah"), ("Jonah", "Jonah"), ("Mic", "Micah"),
    ("Nahum", "Nahum"), ("Hab", "Habakkuk"), ("Zep", "Zephaniah"), ("Hag", "Haggai"),
    ("Zec", "Zechariah"), ("Mal", "Malachi"), ("Mat", "Matthew"), ("Mark", "Mark"),
    ("Luke", "Luke"), ("John", "John"), ("Acts", "Acts"), ("Rom", "Romans"),
    ("1Cor", "1 Corinthians"), ("2Cor", "2 Corinthians"), ("Gal", "Galatians"),
    ("Eph", "Ephesians"), ("Phi", "Philippians"), ("Col", "Colossians"),
    ("1Th", "1 Thessalonians"), ("2Th", "2 Thessalonians"), ("1Tim", "1 Timothy"),
    ("2Tim", "2 Timothy"), ("Titus", "Titus"), ("Phmn", "Philemon"), ("Heb", "Hebrews"),
    ("Jas", "James"), ("1Pet", "1 Peter"), ("2Pet", "2 Peter"), ("1Jn", "1 John"),
    ("2Jn", "2 John"), ("3Jn", "3 John"), ("Jude", "Jude"), ("Rev", "Revelation")]
NAMES = dict(BOOKS)
VERSE = re.compile(r"^([0-9]?[A-Za-z]+)([0-9]+):([0-9]+) (.+)$")

chapters = []          # [(title, [verse lines])]
key = None
verse_count = 0
with open(os.path.join(work, "kjv-raw.txt"), encoding="ascii") as f:
    for line in f:
        m = VERSE.match(line.rstrip("\n"))
        if not m:
            sys.exit("unexpected line in the bible program's output: %r" % line)
        book, chapter, verse, text = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
        if (book, chapter) != key:
            key = (book, chapter)
            chapters.append(("%s %d" % (NAMES[book], chapter), []))
        chapters[-1][1].append("%d %s" % (verse, " ".join(text.split())))
        verse_count += 1
books = len({title.rsplit(" ", 1)[0] for title, _ in chapters})
assert (books, len(chapters), verse_count) == (66, 1189, 31102), (books, len(chapters), verse_count)
with open(os.path.join(work, "kjv.txt"), "w", encoding="utf-8", newline="\n") as f:
    f.write("\n\n".join(title + "\n" + "\n".join(verses) for title, verses in chapters) + "\n")
print("kjv: %d books, %d chapters (documents), %d verses" % (books, len(chapters), verse_count))

# ---- Fortunes: one document per cookie ----------------------------------------------------------
def overstrike(line):
    """Resolves teletype overstrikes: "___\b\b\band" is an underlined "and", printed as "and"."""
    cells, pos = [], 0
    for ch in line:
        if ch == "\b":
            pos = max(0, pos - 1)
        elif pos < len(cells):
            if ch != "_":          # underscore under a letter keeps the letter
                cells[pos] = ch
            pos += 1
        else:
            cells.append(ch)
            pos += 1
    return "".join(cells)

def unmojibake(text):
    """A few cookies hold UTF-8 that was decoded as Latin-1 and re-encoded, once or twice
    ("donÃ¢ÂÂt"); undo that while the Latin-1 bytes still decode as UTF-8."""
    while re.search(r"[\u0080-\u00ff]", text):
        try:
            repaired = text.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            break
        if repaired == text:
            break
        text = repaired
    return text

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")   # everything but \t and \n
roots = [os.path.join(work, "root/usr/share/games/fortunes")]
fortunes = []
for name in fortune_files:
    path = os.path.join(roots[0], name)
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    kept = 0
    for cookie in re.split(r"^%\n", raw, flags=re.M):
        lines = [CONTROL.sub("", overstrike(unmojibake(l))).rstrip() for l in cookie.split("\n")]
        text = "\n".join(lines).strip("\n")
        if text.strip():
            fortunes.append(text)
            kept += 1
    print("fortunes: %-14s %5d cookies" % (name, kept))
assert not any(l == "%" for t in fortunes for l in t.split("\n"))
with open(os.path.join(work, "fortunes.txt"), "w", encoding="utf-8", newline="\n") as f:
    f.write("\n%\n".join(fortunes) + "\n")
print("fortunes: %d documents from %d files, %d distinct" % (len(fortunes), len(fortune_files), len(set(fortunes))))
PY

for name in kjv fortunes; do
    gzip -9n -c "$name.txt" > "$OUT_DIR/$name.txt.gz"
    echo "$name.txt: $(wc -c < "$name.txt") bytes, $name.txt.gz: $(wc -c < "$OUT_DIR/$name.txt.gz") bytes," \
         "sha256 of text $(sha256sum < "$name.txt" | cut -c1-16)"
done
