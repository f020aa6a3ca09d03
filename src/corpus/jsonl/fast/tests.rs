use super::super::{parse_record, KeyTracker};
use super::*;
use crate::test_rng::xorshift;

/// The wanted fields of every test here.
const NAMES: [&str; 3] = ["text", "title", "label"];

/// One record's result: the slots and the keys in first-seen order.
type Fields = (Vec<Option<String>>, Vec<String>);

fn names() -> Vec<String> {
    NAMES.iter().map(|s| s.to_string()).collect()
}

/// The fast path on `body` with fresh buffers; `None` when it declines.
fn fast(body: &[u8]) -> Option<Fields> {
    let mut slots = vec![None; NAMES.len()];
    let mut keys = KeyTracker::default();
    let mut scratch = Scratch::default();
    scratch.recycle(&mut slots);
    extract(body, &names(), &mut slots, &mut keys, &mut scratch).then_some((slots, keys.order))
}

/// The serde path on `body`: the fields, or serde's error message.
fn serde(body: &[u8]) -> Result<Fields, String> {
    let mut slots = vec![None; NAMES.len()];
    let mut keys = KeyTracker::default();
    parse_record(body, &names(), &mut slots, &mut keys).map_err(|e| e.to_string())?;
    Ok((slots, keys.order))
}

/// Asserts the fast path takes `line` and gives `want` for (text, title, label), and that
/// serde gives the same.
fn takes(line: &str, want: [Option<&str>; 3]) {
    let want: Vec<Option<String>> = want.iter().map(|w| w.map(str::to_string)).collect();
    let (slots, keys) = fast(line.as_bytes()).unwrap_or_else(|| panic!("declined {line:?}"));
    assert_eq!(slots, want, "{line:?}");
    assert_eq!(Ok((slots, keys)), serde(line.as_bytes()), "{line:?}");
}

/// Asserts the fast path leaves `line` to serde.
fn declines(line: &[u8]) {
    assert_eq!(fast(line), None, "{:?}", String::from_utf8_lossy(line));
}

#[test]
fn escapes_are_decoded() {
    takes(
        r#"{"text": "a\"b\\c\/d\be\ff\ng\rh\ti"}"#,
        [Some("a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti"), None, None],
    );
    takes(r#"{"text":"\\\\\"\""}"#, [Some("\\\\\"\""), None, None]);
    takes(r#"{"text":"\n"}"#, [Some("\n"), None, None]);
    takes(r#"{"text":""}"#, [Some(""), None, None]);
}

#[test]
fn unicode_escapes_and_raw_utf8() {
    takes(
        r#"{"text":"\u00e9\u00C9\u2019 \ud83d\ude00 é’😀 \u0000"}"#,
        [Some("éÉ’ 😀 é’😀 \0"), None, None],
    );
    // Lone or broken surrogates: serde fails on them, so the fast path must not decide.
    for bad in [
        r#"{"text":"\ud800"}"#,
        r#"{"text":"\udc00"}"#,
        r#"{"text":"\ud800\u0041"}"#,
        r#"{"text":"\ud800x"}"#,
        r#"{"text":"\ud800\n"}"#,
        r#"{"text":"\ud83d\ud83d"}"#,
    ] {
        declines(bad.as_bytes());
        assert!(serde(bad.as_bytes()).is_err(), "{bad}");
    }
    // In a skipped value serde accepts any \u escape, and so does the scan.
    takes(r#"{"x":"\ud800","text":"t"}"#, [Some("t"), None, None]);
}

#[test]
fn nested_and_odd_values_are_skipped() {
    takes(
        r#"{"meta":{"a":[1,{"b":"}\"]"},[]],"c":{}},"text":"x","arr":[[[]]],"n":-1.5e+3,"z":null}"#,
        [Some("x"), None, None],
    );
    assert_eq!(
        fast(br#"{"meta":{"text":"inner"},"text":"outer","x":[true,false]}"#)
            .unwrap()
            .1,
        ["meta", "text", "x"]
    );
    // Nesting deeper than the bit stack is left to serde (which reads it).
    let deep = format!(r#"{{"x":{}{},"text":"t"}}"#, "[".repeat(70), "]".repeat(70));
    declines(deep.as_bytes());
    assert!(serde(deep.as_bytes()).is_ok());
    let ok = format!(r#"{{"x":{}{},"text":"t"}}"#, "[".repeat(64), "]".repeat(64));
    takes(&ok, [Some("t"), None, None]);
}

#[test]
fn missing_and_repeated_keys() {
    takes(r#"{"other":"y"}"#, [None, None, None]);
    takes(r#"{}"#, [None, None, None]);
    takes(r#"{ }"#, [None, None, None]);
    takes(
        r#"{"text":"a","label":"l","text":"b"}"#,
        [Some("b"), None, Some("l")],
    );
    assert_eq!(fast(br#"{"b":1,"a":2,"b":3}"#).unwrap().1, ["b", "a"]);
}

#[test]
fn scalar_values_become_text_as_serde_writes_them() {
    takes(
        r#"{"text":12,"title":-7,"label":true}"#,
        [Some("12"), Some("-7"), Some("true")],
    );
    takes(
        r#"{"text":0,"title":null,"label":false}"#,
        [Some("0"), Some(""), Some("false")],
    );
    takes(
        r#"{"text":999999999999999999,"title":-999999999999999999}"#,
        [
            Some("999999999999999999"),
            Some("-999999999999999999"),
            None,
        ],
    );
    // Floats, -0 and long integers go through serde's number parsing and formatting.
    for other in [
        "3.5",
        "1e3",
        "-0",
        "1E+2",
        "12345678901234567890",
        "-1234567890123456789",
    ] {
        let line = format!(r#"{{"text":{other}}}"#);
        declines(line.as_bytes());
        assert!(serde(line.as_bytes()).is_ok(), "{line}");
    }
    // Containers as a wanted value are serde's error.
    for bad in [r#"{"text":[1]}"#, r#"{"text":{"a":1}}"#, r#"{"text":01}"#] {
        declines(bad.as_bytes());
        assert!(serde(bad.as_bytes()).is_err(), "{bad}");
    }
}

#[test]
fn whitespace_variants() {
    takes(
        r#"{ "text" : "a" , "title" :"b"  ,"x" : [ 1 , { "y" : 2 } ] }"#,
        [Some("a"), Some("b"), None],
    );
    // Tabs and carriage returns are valid whitespace but left to serde (any byte < 0x20).
    for line in ["{\t\"text\":\"a\"}", "{\"text\":\"a\"\r}"] {
        declines(line.as_bytes());
        assert!(serde(line.as_bytes()).is_ok(), "{line:?}");
    }
    // A raw control character inside a string is serde's error.
    declines(b"{\"text\":\"a\x01b\"}");
    // Form feed is not JSON whitespace.
    declines(b"{\"text\":\"a\"\x0c,\"x\":1}");
}

#[test]
fn malformed_and_unusual_records_are_declined() {
    for bad in [
        &br#"["text","a"]"#[..],
        br#""text""#,
        br#"5"#,
        br#"{"text":"a",}"#,
        br#"{"text":"a"}x"#,
        br#"{"text":"a"} {}"#,
        br#"{"text" "a"}"#,
        br#"{"text":"a""#,
        br#"{"text":"a"#,
        br#"{"text":}"#,
        br#"{"x":[1,]}"#,
        br#"{"x":{"a":1,}}"#,
        br#"{"x":{1:2}}"#,
        br#"{"x":-}"#,
        br#"{"x":1.}"#,
        br#"{"x":1e}"#,
        br#"{"x":tru}"#,
        br#"{"x":"\x"}"#,
        br#"{"x":"\u12G4"}"#,
        br#"{,"text":"a"}"#,
        b"{\"text\":\"\xff\"}",
        b"{\"x\":\"\xe9\",\"text\":\"a\"}",
    ] {
        declines(bad);
    }
    // An escaped key is serde's to read (it is the key "text").
    declines(br#"{"t\u0065xt":"a"}"#);
    assert_eq!(
        serde(br#"{"t\u0065xt":"a"}"#).unwrap().0[0].as_deref(),
        Some("a")
    );
}

#[test]
fn reused_buffers_hold_only_the_current_record() {
    let names = names();
    let mut slots = vec![None; NAMES.len()];
    let mut keys = KeyTracker::default();
    let mut scratch = Scratch::default();
    let mut run = |line: &[u8], slots: &mut Vec<Option<String>>| {
        scratch.recycle(slots);
        assert!(extract(line, &names, slots, &mut keys, &mut scratch));
    };
    run(br#"{"text":"a long first text","title":"t"}"#, &mut slots);
    run(br#"{"text":"b","label":"l"}"#, &mut slots);
    assert_eq!(slots, [Some("b".to_string()), None, Some("l".to_string())]);
    run(br#"{"label":"m"}"#, &mut slots);
    assert_eq!(slots, [None, None, Some("m".to_string())]);
}

#[test]
fn keys_reach_the_tracker_in_first_seen_order_across_records() {
    let names = names();
    let mut slots = vec![None; NAMES.len()];
    let mut keys = KeyTracker::default();
    let mut scratch = Scratch::default();
    for line in [
        &br#"{"a":1,"text":"x"}"#[..],
        br#"{"a":1,"text":"x"}"#,
        br#"{"ab":1}"#,
        br#"{"a":1,"btext":"x"}"#,
        br#"{"a":1,"text":"x","c":2}"#,
        br#"{"a":1,"text":"x"}"#,
    ] {
        scratch.recycle(&mut slots);
        assert!(extract(line, &names, &mut slots, &mut keys, &mut scratch));
    }
    assert_eq!(keys.order, ["a", "text", "ab", "btext", "c"]);
}

/// What `is_plain_utf8` must compute, the slow way.
fn plain_utf8_reference(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok() && !bytes.iter().any(|&b| b < 0x20)
}

/// Every string of up to three bytes, alone and placed to straddle the end of a 16-byte
/// block, plus every four-byte sequence with a 0xF0-0xF4 lead around the block edge.
#[test]
fn utf8_check_matches_std_exhaustively() {
    let prefix = [b'a'; 14];
    let mut buf = Vec::with_capacity(24);
    let check = |tail: &[u8], buf: &mut Vec<u8>| {
        for pad in [&prefix[..0], &prefix[..], &prefix[..13]] {
            buf.clear();
            buf.extend_from_slice(pad);
            buf.extend_from_slice(tail);
            assert_eq!(is_plain_utf8(buf), plain_utf8_reference(buf), "{buf:x?}");
        }
    };
    check(b"", &mut buf);
    for a in 0..=255u8 {
        check(&[a], &mut buf);
        for b in 0..=255u8 {
            check(&[a, b], &mut buf);
            for c in 0..=255u8 {
                check(&[a, b, c], &mut buf);
            }
        }
    }
    for a in 0xf0..=0xf5u8 {
        for b in 0x70..=0xc0u8 {
            for c in [0x7f, 0x80, 0xbf, 0xc0] {
                for d in 0x70..=0xc0u8 {
                    check(&[a, b, c, d], &mut buf);
                }
            }
        }
    }
}

#[test]
fn utf8_check_on_long_mixed_text() {
    let text = "Reuters’ “quote” — naïve café, 😀 and 中文 mixed with plain ASCII words ".repeat(9);
    assert!(is_plain_utf8(text.as_bytes()));
    let bytes = text.as_bytes();
    for cut in 0..bytes.len() {
        assert_eq!(
            is_plain_utf8(&bytes[..cut]),
            plain_utf8_reference(&bytes[..cut])
        );
        let mut flipped = bytes.to_vec();
        flipped[cut] ^= 0x40;
        assert_eq!(
            is_plain_utf8(&flipped),
            plain_utf8_reference(&flipped),
            "{cut}"
        );
    }
}

/// Builds random records, valid and perturbed, for the differential test.
struct Gen {
    next: Box<dyn FnMut() -> u64>,
}

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        ((self.next)() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn ws(&mut self, out: &mut String) {
        // Tabs and carriage returns are rare, else most records would be declined for them.
        let w = if self.below(60) == 0 {
            self.pick(&["\t", "\r", " \t"])
        } else {
            self.pick(&["", "", "", " ", "  "])
        };
        out.push_str(w);
    }

    fn string(&mut self, out: &mut String) {
        out.push('"');
        for _ in 0..self.below(12) {
            let piece = self.pick(&[
                "a",
                "Word",
                " ",
                "é",
                "’",
                "😀",
                "\\\"",
                "\\\\",
                "\\/",
                "\\b",
                "\\f",
                "\\n",
                "\\r",
                "\\t",
                "\\u00e9",
                "\\u2019",
                "\\ud83d\\ude00",
                "\\u0041",
                "\\uD800",
                "\\uDC00",
                "\\u0000",
                "}",
                "]",
                ",",
                ":",
                "{",
            ]);
            out.push_str(piece);
        }
        out.push('"');
    }

    fn value(&mut self, out: &mut String, depth: usize) {
        let kind = if depth > 3 {
            self.below(4)
        } else {
            self.below(7)
        };
        match kind {
            0 => self.string(out),
            1 => out.push_str(self.pick(&[
                "0",
                "7",
                "-3",
                "-0",
                "10",
                "3.25",
                "-1e5",
                "2E-3",
                "1.0e+2",
                "12345678901234567890",
                "999999999999999999",
                "-999999999999999999",
            ])),
            2 => out.push_str(self.pick(&["true", "false", "null"])),
            3 => self.string(out),
            4 => {
                out.push('[');
                for i in 0..self.below(4) {
                    if i > 0 {
                        out.push(',');
                    }
                    self.ws(out);
                    self.value(out, depth + 1);
                    self.ws(out);
                }
                out.push(']');
            }
            _ => self.object(out, depth + 1),
        }
    }

    fn object(&mut self, out: &mut String, depth: usize) {
        out.push('{');
        for i in 0..self.below(6) {
            if i > 0 {
                out.push(',');
            }
            self.ws(out);
            let key = self.pick(&[
                "text",
                "title",
                "label",
                "id",
                "other",
                "x",
                "",
                "é",
                "t\\u0065xt",
                "text",
            ]);
            out.push('"');
            out.push_str(key);
            out.push('"');
            self.ws(out);
            out.push(':');
            self.ws(out);
            self.value(out, depth);
            self.ws(out);
        }
        out.push('}');
    }

    /// A random record, perturbed in one of several ways (or not at all).
    fn line(&mut self) -> Vec<u8> {
        let mut text = String::new();
        self.object(&mut text, 0);
        let mut bytes = text.into_bytes();
        let at = self.below(bytes.len() + 1);
        let noise = [
            b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b' ', b'0', b'a', b'u', 0x00, 0x1f,
            0x80, 0xff, 0xc3, 0x0c,
        ];
        match self.below(8) {
            0 => bytes.truncate(at),
            1 if at < bytes.len() => bytes[at] = noise[self.below(noise.len())],
            2 if at < bytes.len() => {
                bytes.remove(at);
            }
            3 => bytes.insert(at, noise[self.below(noise.len())]),
            _ => {}
        }
        bytes
    }
}

/// The keys of the record the fast path just read, in first-seen order.
fn record_keys(scratch: &Scratch, body: &[u8]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for range in &scratch.keys {
        let key = std::str::from_utf8(&body[range.clone()]).unwrap();
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_string());
        }
    }
    keys
}

/// The fast path never accepts a record serde rejects, and never gives other values or
/// other keys than serde; buffers and the key tracker live across records as in a read,
/// and the tracker fed by the fast path (serde for what it declines) always matches one
/// fed by serde alone.
#[test]
fn fast_path_agrees_with_serde_on_generated_records() {
    let mut gen = Gen {
        next: Box::new(xorshift(0x9E37_79B9_7F4A_7C15)),
    };
    let names = names();
    let mut slots = vec![None; NAMES.len()];
    let mut scratch = Scratch::default();
    let mut tracker = KeyTracker::default();
    let mut serde_tracker = KeyTracker::default();
    let (mut taken, mut declined_valid, mut rejected) = (0, 0, 0);
    for _ in 0..150_000 {
        let line = gen.line();
        let body = line.trim_ascii();
        let seen = tracker.order.len();
        scratch.recycle(&mut slots);
        let accepted = extract(body, &names, &mut slots, &mut tracker, &mut scratch);
        let reference = serde(body);
        let _ = parse_record(body, &names, &mut vec![None; 3], &mut serde_tracker);
        if accepted {
            taken += 1;
            let got = (slots.clone(), record_keys(&scratch, body));
            assert_eq!(Ok(got), reference, "{:?}", String::from_utf8_lossy(body));
        } else {
            assert_eq!(tracker.order.len(), seen, "a declined record left keys");
            // What the reader does next: serde on the same record.
            let _ = parse_record(body, &names, &mut vec![None; 3], &mut tracker);
            match reference {
                Ok(_) => declined_valid += 1,
                Err(_) => rejected += 1,
            }
        }
        assert_eq!(tracker.order, serde_tracker.order);
    }
    eprintln!("taken {taken}, declined valid {declined_valid}, rejected {rejected}");
    // The test means something only if both outcomes are frequent.
    assert!(taken > 25_000, "fast path took only {taken}");
    assert!(rejected > 50_000, "only {rejected} invalid records");
    assert!(
        declined_valid > 8_000,
        "only {declined_valid} declined valid records"
    );
}
