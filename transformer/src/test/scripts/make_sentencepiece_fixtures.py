#!/usr/bin/python3
"""SentencePiece parity fixtures for jgrad's SentencePieceBpeTokenizer.

The oracle is Debian's python3-sentencepiece (run with /usr/bin/python3). It writes, under
transformer/src/test/resources/tokenizer/:

  sentencepiece-llama2.json      fixtures for /work/shared/data/llama2-tokenizer/tokenizer.model
  sp-bpe-tiny-unk.model          a tiny BPE model trained here: no byte fallback (unknown characters become
                                 <unk>, runs of them merge), user-defined and control symbols,
                                 remove_extra_whitespaces=true, and three merged pieces re-marked UNUSED
                                 (exercises SentencePiece's re-segmentation of unused pieces)
  sp-bpe-tiny-bytes.model        a tiny BPE model with byte fallback and add_dummy_prefix=false
  sentencepiece-tiny.json        fixtures for the two tiny models

Id sequences of whole texts are summarised as SHA-256 over the ids written as little-endian int32, the
count, and the SHA-256 of every chunk of CHUNK ids (so a failing test can name the first bad region).

Run from anywhere:  /usr/bin/python3 transformer/src/test/scripts/make_sentencepiece_fixtures.py [shared-dir]
(shared-dir defaults to /work/shared).
"""
import hashlib
import io
import json
import pathlib
import random
import struct
import sys

import sentencepiece as spm

CHUNK = 10000
HERE = pathlib.Path(__file__).resolve().parent
RESOURCES = HERE.parent / "resources" / "tokenizer"
SHARED = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared")
DATA = SHARED / "data"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ids_sha256(ids) -> str:
    return sha256_hex(struct.pack("<%di" % len(ids), *ids))


def summarize(ids):
    return {
        "count": len(ids),
        "sha256": ids_sha256(ids),
        "chunk": CHUNK,
        "chunk_sha256": [ids_sha256(ids[i:i + CHUNK]) for i in range(0, len(ids), CHUNK)],
        "head": ids[:64],
    }


# ---------------------------------------------------------------------------------------------------------
# Random strings over all of Unicode's valid code points (no surrogates), weighted towards the hard parts.

WHITESPACE = [" ", "\t", "\n", "\r", "\u000b", "\u000c", "\u0085", "\u00a0", "\u1680", "\u2002", "\u2009",
              "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff"]
EMOJI_PARTS = ["\u200d", "\ufe0f", "\u20e3", "\U0001F3FB", "\U0001F3FD", "\U0001F3FF"]


def random_code_point(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.30:
        return chr(rng.randint(0x20, 0x7E))
    if r < 0.40:
        return rng.choice(WHITESPACE) * rng.choice([1, 1, 1, 2, 3, 7])
    if r < 0.45:
        return chr(rng.choice([rng.randint(0, 0x1F), 0x7F, rng.randint(0x80, 0x9F)]))
    if r < 0.55:
        return chr(rng.randint(0x1F300, 0x1FAFF)) + (rng.choice(EMOJI_PARTS) if rng.random() < 0.4 else "")
    if r < 0.65:
        return chr(rng.randint(0x4E00, 0x9FFF))
    if r < 0.70:
        return chr(rng.randint(0x0300, 0x036F))
    if r < 0.75:
        return chr(rng.choice([rng.randint(0x0590, 0x05FF), rng.randint(0x0600, 0x06FF)]))
    if r < 0.80:
        return chr(rng.randint(0x00A0, 0x024F))
    if r < 0.82:
        return "\u2581"
    while True:  # any valid code point: planes 0-16 minus surrogates
        cp = rng.randint(0, 0x10FFFF)
        if not 0xD800 <= cp <= 0xDFFF:
            return chr(cp)


def random_string(rng: random.Random, max_len: int) -> str:
    return "".join(random_code_point(rng) for _ in range(rng.randint(0, max_len)))


HAND_CASES = [
    "", " ", "  ", "   ", "a", " a", "a ", "  a  b  ", "Hello world", "Hello, world!", "\n", "\n\n", "\t",
    " \t ", "\u2581", "a\u2581b", "\u2581\u2581x", "<s>", "</s>", "<unk>", "<0x0A>", "<sep>", "[X]", "a<sep>b",
    "x [X] y", "\u00e9", "e\u0301", "\U0001F600", "\U0001F600\U0001F600", "\U0001F468\u200d\U0001F469\u200d\U0001F467",
    "\u65e5\u672c\u8a9e", "\u0645\u0631\u062d\u0628\u0627", "a\u0000b", "\u0000", "\ufffd", "\U0010FFFF",
    "First Citizen:\nBefore we proceed any further, hear me speak.",
]


def byte_case_ids(byte_id):
    """Hand-made byte-piece sequences: complete, truncated, overlong, surrogate and out-of-range UTF-8."""
    seqs = [[0xE4, 0xB8, 0xAD], [0xE4, 0xB8], [0xE4], [0xB8], [0xF0, 0x9F, 0x98, 0x80], [0xF0, 0x9F, 0x98],
            [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFF],
            [0xE4, 0x41, 0xAD], [0x41, 0xE4, 0xB8, 0xAD, 0x42], [0xC3, 0xA9, 0xC3], [0x0A], [0x20]]
    return [[byte_id[b] for b in s] for s in seqs]


def fixtures_for(sp: spm.SentencePieceProcessor, texts: dict, rng: random.Random, n_random: int,
                 random_max_len: int, n_decode: int, extra_decode):
    out = {"vocab_size": sp.get_piece_size(), "bos_id": sp.bos_id(), "eos_id": sp.eos_id(),
           "unk_id": sp.unk_id(), "pad_id": sp.pad_id()}
    for name, text in texts.items():
        ids = sp.encode(text)
        entry = summarize(ids)
        entry["decoded_equals_text"] = sp.decode(ids) == text
        if len(text) < 10000:
            entry["decoded"] = sp.decode(ids)
        out[name] = entry
    cases = [{"text": t, "ids": sp.encode(t)} for t in HAND_CASES]
    cases += [{"text": t, "ids": sp.encode(t)} for t in (random_string(rng, random_max_len) for _ in range(n_random))]
    out["encode_cases"] = cases
    out["bos_eos_case"] = {"text": "Hello world", "ids": sp.encode("Hello world", add_bos=True, add_eos=True)}
    n = sp.get_piece_size()
    decode_cases = []
    for ids in extra_decode:
        decode_cases.append({"ids": ids, "text": sp.decode(ids)})
    byte_ids = [i for i in range(n) if sp.is_byte(i)]
    special_ids = [i for i in range(n) if sp.is_control(i) or sp.is_unknown(i)]
    for _ in range(n_decode):
        ids = []
        for _ in range(rng.randint(1, 10)):
            r = rng.random()
            if r < 0.5 and byte_ids:
                ids.append(rng.choice(byte_ids))
            elif r < 0.6:
                ids.append(rng.choice(special_ids))
            else:
                ids.append(rng.randrange(n))
        decode_cases.append({"ids": ids, "text": sp.decode(ids)})
    out["decode_cases"] = decode_cases
    return out


# ---------------------------------------------------------------------------------------------------------
# A minimal protobuf wire-format editor, only to re-mark pieces of a trained tiny model as UNUSED.

def read_varint(b, i):
    result, shift = 0, 0
    while True:
        c = b[i]
        i += 1
        result |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return result, i


def write_varint(v):
    out = bytearray()
    while True:
        c = v & 0x7F
        v >>= 7
        if v:
            out.append(c | 0x80)
        else:
            out.append(c)
            return bytes(out)


def mark_unused(model: bytes, pieces_to_mark: set) -> bytes:
    """Returns the ModelProto with type=UNUSED(5) on the named pieces (field 1 = repeated SentencePiece)."""
    out = bytearray()
    i = 0
    while i < len(model):
        start = i
        key, i = read_varint(model, i)
        field, wire = key >> 3, key & 7
        assert wire == 2, "ModelProto's top-level fields are all length-delimited"
        length, i = read_varint(model, i)
        body = model[i:i + length]
        i += length
        if field != 1:
            out += model[start:i]
            continue
        # SentencePiece: 1 piece (string), 2 score (float), 3 type (enum)
        j, piece, score, fields = 0, None, None, []
        while j < len(body):
            k, j = read_varint(body, j)
            f, w = k >> 3, k & 7
            if w == 2:
                ln, j = read_varint(body, j)
                piece = body[j:j + ln].decode("utf-8")
                j += ln
            elif w == 5:
                score = body[j:j + 4]
                j += 4
            else:
                _, j = read_varint(body, j)
        if piece in pieces_to_mark:
            p = piece.encode("utf-8")
            body = (bytes([0x0A]) + write_varint(len(p)) + p + bytes([0x15]) + score + bytes([0x18, 5]))
        out += bytes([0x0A]) + write_varint(len(body)) + body
    return bytes(out)


def train_tiny(lines, **kwargs) -> bytes:
    writer = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=writer, model_type="bpe",
                                   normalization_rule_name="identity", character_coverage=1.0,
                                   num_threads=1, minloglevel=2, **kwargs)
    return writer.getvalue()


def main():
    model_path = DATA / "llama2-tokenizer" / "tokenizer.model"
    bin_path = DATA / "llama2-tokenizer" / "tokenizer.bin"
    shakespeare = (DATA / "tinyshakespeare.txt").read_text(encoding="utf-8")
    stress = (RESOURCES / "unicode-stress.txt").read_bytes().decode("utf-8")

    sp = spm.SentencePieceProcessor(model_file=str(model_path))
    rng = random.Random(20240607)
    byte_id = {b: sp.piece_to_id("<0x%02X>" % b) for b in range(256)}
    extra = byte_case_ids(byte_id) + [[1, 29871, 15043], [29871, 29871], [13, 29871, 29909], [1, 13, 29871, 29909],
                                      [0, 0], [29871], [15043, 29871], [1, 2, 1], [1, 0, 29871, 15043],
                                      [byte_id[0xE4], 15043], [byte_id[0xE4], byte_id[0xB8], 1, byte_id[0xAD]]]
    llama = fixtures_for(sp, {"tinyshakespeare": shakespeare, "stress": stress}, rng, n_random=300,
                         random_max_len=30, n_decode=200, extra_decode=extra)
    llama["stress"]["ids"] = sp.encode(stress)
    llama["stress_lines"] = [{"text": line, "ids": sp.encode(line), "decoded": sp.decode(sp.encode(line))}
                             for line in stress.split("\n")]
    llama["meta"] = {
        "sentencepiece_version": spm.__version__,
        "tokenizer_model_sha256": sha256_hex(model_path.read_bytes()),
        "tokenizer_bin_sha256": sha256_hex(bin_path.read_bytes()),
        "tinyshakespeare_sha256": sha256_hex(shakespeare.encode("utf-8")),
        "stress_sha256": sha256_hex(stress.encode("utf-8")),
    }
    write_json(RESOURCES / "sentencepiece-llama2.json", llama)

    corpus = shakespeare[:200000].split("\n")
    unk_model = train_tiny(corpus, vocab_size=300, byte_fallback=False, user_defined_symbols=["<sep>", "[X]"],
                           control_symbols=["<ctl>"], remove_extra_whitespaces=True, add_dummy_prefix=True)
    probe = spm.SentencePieceProcessor(model_proto=unk_model)
    # three merged pieces from the middle of the vocabulary become UNUSED
    to_mark = {probe.id_to_piece(i) for i in (40, 77, 150)}
    unk_model = mark_unused(unk_model, to_mark)
    bytes_model = train_tiny(corpus, vocab_size=600, byte_fallback=True, remove_extra_whitespaces=False,
                             add_dummy_prefix=False)
    (RESOURCES / "sp-bpe-tiny-unk.model").write_bytes(unk_model)
    (RESOURCES / "sp-bpe-tiny-bytes.model").write_bytes(bytes_model)

    tiny = {}
    for name, blob in (("sp-bpe-tiny-unk.model", unk_model), ("sp-bpe-tiny-bytes.model", bytes_model)):
        tsp = spm.SentencePieceProcessor(model_proto=blob)
        assert name != "sp-bpe-tiny-unk.model" or all(tsp.is_unused(tsp.piece_to_id(p)) for p in to_mark)
        n = tsp.get_piece_size()
        space = tsp.piece_to_id("\u2581")
        extra = [[0, 0], [1, 2], [space, space], [1, space, space]]
        extra += [[i, j] for i in range(min(n, 12)) for j in (0, 5, n - 1)]
        if tsp.piece_to_id("<0xE4>") != tsp.unk_id():
            extra += byte_case_ids({b: tsp.piece_to_id("<0x%02X>" % b) for b in range(256)})
        entry = fixtures_for(tsp, {"tinyshakespeare": shakespeare, "stress": stress}, rng, n_random=150,
                             random_max_len=25, n_decode=100, extra_decode=extra)
        entry["stress"]["ids"] = tsp.encode(stress)
        entry["unused_pieces"] = sorted(to_mark) if name == "sp-bpe-tiny-unk.model" else []
        entry["model_sha256"] = sha256_hex(blob)
        tiny[name] = entry
    write_json(RESOURCES / "sentencepiece-tiny.json", tiny)


def write_json(path: pathlib.Path, obj):
    text = json.dumps(obj, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    path.write_text(text + "\n", encoding="ascii")
    print(f"wrote {path} ({len(text)} bytes)")


if __name__ == "__main__":
    main()
