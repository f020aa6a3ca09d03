//! Reader tests on small generated fixtures, and on the real corpora when present.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use flate2::write::GzEncoder;
use flate2::Compression;
use tempfile::TempDir;

use super::*;

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn opts(text: &[&str], labels: &[&str]) -> ReadOptions {
    ReadOptions {
        text_cols: text.iter().map(|s| s.to_string()).collect(),
        label_cols: labels.iter().map(|s| s.to_string()).collect(),
        require_labels: true,
        ..ReadOptions::default()
    }
}

fn doc(id: &str, text: &str, labels: &[Option<&str>]) -> Document {
    Document {
        id: id.into(),
        text: text.into(),
        pair: None,
        labels: labels.iter().map(|l| l.map(str::to_string)).collect(),
        group: None,
    }
}

fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

#[test]
fn csv_exact_documents() {
    let dir = TempDir::new().unwrap();
    let path = write(
        &dir,
        "a.csv",
        b"id,text,topic\nx1,\"Hello, world\",sport\nx2,\"two\nlines\",  \n",
    );
    let (docs, summary) = read_corpus(&path, &opts(&[], &["topic"])).unwrap();
    assert_eq!(
        docs,
        vec![
            doc("x1", "Hello, world", &[Some("sport")]),
            doc("x2", "two\nlines", &[None]),
        ]
    );
    assert_eq!(summary.documents, 2);
    assert_eq!(summary.latin1_fallbacks, 0);
}

#[test]
fn tsv_without_id_uses_record_numbers() {
    let dir = TempDir::new().unwrap();
    let path = write(
        &dir,
        "a.tab",
        b"label\ttext\npos\tgood film\nneg\tbad film\n",
    );
    let (docs, _) = read_corpus(&path, &opts(&["text"], &["label"])).unwrap();
    assert_eq!(
        docs,
        vec![
            doc("1", "good film", &[Some("pos")]),
            doc("2", "bad film", &[Some("neg")]),
        ]
    );
}

#[test]
fn jsonl_and_gzip_give_the_same_documents() {
    let dir = TempDir::new().unwrap();
    let body = b"{\"id\": 7, \"title\": \"T\", \"body\": \"B \\u00e9\", \"y\": \"a\", \"extra\": [1, {\"k\": 2}]}\n\n\
                 {\"title\": \"\", \"body\": \"only body\", \"y\": null}\n";
    let plain = write(&dir, "c.jsonl", body);
    let gz = write(&dir, "c.jsonl.gz", &gzip(body));
    let want = vec![
        doc("7", "T\n\nB \u{e9}", &[Some("a")]),
        doc("2", "only body", &[None]),
    ];
    for path in [plain, gz] {
        let (docs, summary) = read_corpus(&path, &opts(&["title", "body"], &["y"])).unwrap();
        assert_eq!(docs, want, "{}", path.display());
        assert_eq!(summary.documents, 2);
    }
}

#[test]
fn jsonl_scalars_become_text_and_pair_group_are_read() {
    let dir = TempDir::new().unwrap();
    let path = write(
        &dir,
        "n.ndjson",
        b"{\"text\": 3.5, \"flag\": true, \"h\": \"head\", \"g\": 12}\n",
    );
    let mut o = opts(&["text"], &["flag"]);
    o.pair_col = Some("h".into());
    o.group_col = Some("g".into());
    let (docs, _) = read_corpus(&path, &o).unwrap();
    assert_eq!(
        docs,
        vec![Document {
            id: "1".into(),
            text: "3.5".into(),
            pair: s("head"),
            labels: vec![s("true")],
            group: s("12"),
        }]
    );
}

#[test]
fn csv_numeric_text_field() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "n.csv", b"text,y\n42,a\n");
    let (docs, _) = read_corpus(&path, &opts(&[], &["y"])).unwrap();
    assert_eq!(docs, vec![doc("1", "42", &[Some("a")])]);
}

#[test]
fn jsonl_bad_records_are_reported_or_skipped() {
    let dir = TempDir::new().unwrap();
    let path = write(
        &dir,
        "b.jsonl",
        b"{\"text\": \"ok\"}\n[1, 2]\n{\"text\": [\"x\"]}\n{\"text\": \"unterminated}\n5\n{\"text\": \"fine\"}\n",
    );
    let err = read_corpus(&path, &opts(&[], &[])).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("b.jsonl:2:"), "{msg}");
    assert!(msg.contains("not an array"), "{msg}");

    let mut o = opts(&[], &[]);
    o.skip_bad = true;
    let (docs, summary) = read_corpus(&path, &o).unwrap();
    assert_eq!(docs, vec![doc("1", "ok", &[]), doc("6", "fine", &[])]);
    assert_eq!(summary.skipped_bad, 4);
    assert_eq!(summary.skip_examples.len(), 4);
    assert!(
        summary.skip_examples[1].contains(":3:"),
        "{:?}",
        summary.skip_examples
    );
    assert!(
        summary.skip_examples[1].contains("field \"text\""),
        "{:?}",
        summary.skip_examples
    );
    assert!(
        summary.skip_examples[3].contains("expected a JSON object"),
        "{:?}",
        summary.skip_examples
    );
}

#[test]
fn latin1_fallback_is_counted_once_per_document() {
    let dir = TempDir::new().unwrap();
    let csv = write(&dir, "l.csv", b"text,y\ncaf\xe9,\xe9t\xe9\nplain,b\n");
    let (docs, summary) = read_corpus(&csv, &opts(&[], &["y"])).unwrap();
    assert_eq!(docs[0], doc("1", "caf\u{e9}", &[Some("\u{e9}t\u{e9}")]));
    assert_eq!(summary.latin1_fallbacks, 1);

    let jsonl = write(
        &dir,
        "l.jsonl",
        b"{\"text\": \"na\xefve\"}\n{\"text\": \"ok\"}\n",
    );
    let (docs, summary) = read_corpus(&jsonl, &opts(&[], &[])).unwrap();
    assert_eq!(docs[0].text, "na\u{ef}ve");
    assert_eq!(summary.latin1_fallbacks, 1);
}

#[test]
fn bom_and_crlf_are_handled() {
    let dir = TempDir::new().unwrap();
    let csv = write(
        &dir,
        "w.csv",
        b"\xEF\xBB\xBFid,text\r\na,\"x\r\ny\"\r\nb,z\r\n",
    );
    let (docs, _) = read_corpus(&csv, &opts(&[], &[])).unwrap();
    assert_eq!(docs, vec![doc("a", "x\ny", &[]), doc("b", "z", &[])]);

    let jsonl = write(
        &dir,
        "w.jsonl",
        b"\xEF\xBB\xBF{\"id\": \"a\", \"text\": \"t\"}\r\n\r\n",
    );
    let (docs, _) = read_corpus(&jsonl, &opts(&[], &[])).unwrap();
    assert_eq!(docs, vec![doc("a", "t", &[])]);
}

#[test]
fn ragged_row_names_file_and_line_and_can_be_skipped() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "r.csv", b"text,y\nfine,a\nbad,b,extra\nalso fine,c\n");
    let err = read_corpus(&path, &opts(&[], &["y"])).unwrap_err();
    assert!(
        matches!(err, CorpusError::BadRecord { line: 3, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("r.csv:3:") && msg.contains("3 fields"),
        "{msg}"
    );

    let mut o = opts(&[], &["y"]);
    o.skip_bad = true;
    let (docs, summary) = read_corpus(&path, &o).unwrap();
    // Record numbers count the bad row, so ids stay stable whether or not it is skipped.
    assert_eq!(
        docs,
        vec![
            doc("1", "fine", &[Some("a")]),
            doc("3", "also fine", &[Some("c")])
        ]
    );
    assert_eq!(summary.skipped_bad, 1);
    assert_eq!(summary.skip_examples.len(), 1);
}

#[test]
fn csv_lines_count_windows_line_ends_blank_lines_and_quoted_newlines() {
    let dir = TempDir::new().unwrap();
    // Bad rows on lines 2, 6 (after a quoted field over lines 3-4 and a blank line 5), 9
    // (after two blank lines) and 10 (the last, without a line end).
    let rows = "text,y\nbad,a,1\n\"x\ny\",b\n\nbad,b,2\n\n\nbad,c,3\nbad,d,4";
    for (name, bytes) in [
        ("lf.csv", rows.to_string()),
        ("crlf.csv", rows.replace('\n', "\r\n")),
    ] {
        let path = write(&dir, name, bytes.as_bytes());
        let mut o = opts(&[], &["y"]);
        o.skip_bad = true;
        let (_, summary) = read_corpus(&path, &o).unwrap();
        let lines: Vec<&str> = summary
            .skip_examples
            .iter()
            .map(|e| e.split(": row").next().unwrap())
            .collect();
        let want: Vec<String> = [2, 6, 9, 10]
            .iter()
            .map(|l| format!("{}:{l}", path.display()))
            .collect();
        assert_eq!(lines, want, "{name}");
    }
}

#[test]
fn a_wanted_column_named_twice_in_the_header_is_refused() {
    let dir = TempDir::new().unwrap();
    // `text ` is trimmed to `text`: a second text column, whose words would be lost.
    let path = write(&dir, "d.csv", b"text,y,text \na,x,b\n");
    let err = read_corpus(&path, &opts(&[], &["y"]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "d.csv: column \"text\" appears more than once in the header (columns 1 and 3)"
        ),
        "{err}"
    );
    // A repeated column nobody asked for is harmless.
    let path = write(&dir, "e.csv", b"text,y,z,z\na,x,1,2\n");
    assert_eq!(read_corpus(&path, &opts(&[], &["y"])).unwrap().0.len(), 1);
}

#[test]
fn skip_examples_keep_only_the_first_five() {
    let dir = TempDir::new().unwrap();
    let path = write(
        &dir,
        "k.csv",
        b"text\nok\na,1\nb,2\nc,3\nd,4\ne,5\nf,6\ng,7\n",
    );
    let mut o = opts(&[], &[]);
    o.skip_bad = true;
    let (docs, summary) = read_corpus(&path, &o).unwrap();
    assert_eq!(docs, vec![doc("1", "ok", &[])]);
    assert_eq!(summary.skipped_bad, 7);
    assert_eq!(summary.skip_examples.len(), 5);
    assert!(
        summary.skip_examples[4].contains("k.csv:7:"),
        "{:?}",
        summary.skip_examples
    );
}

#[test]
fn unbalanced_quote_is_a_bad_record() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "q.csv", b"text,y\n\"unclosed,a\nnext,b\n");
    let err = read_corpus(&path, &opts(&[], &["y"])).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("q.csv:2:") && msg.contains("unbalanced quote"),
        "{msg}"
    );
}

#[test]
fn streams_can_move_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<DocumentStream>();
}

#[test]
fn truncated_gzip_is_a_clear_error() {
    let dir = TempDir::new().unwrap();
    let mut body = Vec::new();
    for i in 0..20_000 {
        writeln!(
            body,
            "{{\"id\": {i}, \"text\": \"document number {i} with some words\"}}"
        )
        .unwrap();
    }
    let gz = gzip(&body);
    let path = write(&dir, "t.jsonl.gz", &gz[..gz.len() / 2]);
    let err = read_corpus(&path, &opts(&[], &[])).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, CorpusError::Invalid { .. }), "{err:?}");
    assert!(
        msg.contains("t.jsonl.gz") && msg.contains("truncated"),
        "{msg}"
    );
    assert!(msg.contains("after ") && msg.contains(" records"), "{msg}");

    let csv_body = format!("text\n{}", "word,\n".replace(',', "").repeat(50_000));
    let gz = gzip(csv_body.as_bytes());
    let path = write(&dir, "t.csv.gz", &gz[..gz.len() - 10]);
    let msg = read_corpus(&path, &opts(&[], &[])).unwrap_err().to_string();
    assert!(
        msg.contains("t.csv.gz") && msg.contains("truncated"),
        "{msg}"
    );
}

/// Zero padding after the last gzip member (even after an empty member, whose trailer is
/// zeros itself) is read past, one warning per file in the summary, for a joined file
/// too; the documents are those of the unpadded file.
#[test]
fn gzip_zero_padding_is_read_with_a_warning_per_file() {
    let dir = TempDir::new().unwrap();
    let body = b"{\"id\": \"1\", \"text\": \"one\", \"y\": \"a\"}\n";
    let bodies = b"Key,extra\n1,joined\n";
    let padded = |bytes: &[u8]| [gzip(bytes), gzip(b""), vec![0; 700]].concat();
    let main = write(&dir, "main.jsonl.gz", &padded(body));
    let joined = write(&dir, "bodies.csv.gz", &padded(bodies));
    let (docs, summary) = read_corpus(&main, &opts(&["text"], &["y"])).unwrap();
    assert_eq!(docs, vec![doc("1", "one", &[Some("a")])]);
    let warning = |p: &Path| {
        format!(
            "{}: 700 zero bytes after the end of the gzip data (padding) ignored",
            p.display()
        )
    };
    assert_eq!(summary.warnings, vec![warning(&main)]);

    let plain = write(
        &dir,
        "main.jsonl",
        b"{\"Key\": 1, \"text\": \"one\", \"y\": \"a\"}\n",
    );
    let mut o = opts(&["text", "extra"], &["y"]);
    o.joins = vec![JoinSpec {
        path: joined.clone(),
        on: "Key".into(),
    }];
    let (docs, summary) = read_corpus(&plain, &o).unwrap();
    assert_eq!(docs[0].text, "one\n\njoined");
    assert_eq!(summary.warnings, vec![warning(&joined)]);
}

/// A gzip corpus read from a FIFO (as `--data <(curl ...)` gives one), padded or not: the
/// end of the gzip data is found by counting bytes, not by asking a pipe its position.
#[cfg(unix)]
#[test]
fn padded_gzip_reads_from_a_pipe() {
    let dir = TempDir::new().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo failed");
    let body = b"{\"text\": \"one\", \"y\": \"a\"}\n";
    let mut o = opts(&["text"], &["y"]);
    o.format = Some(Format::Jsonl);
    for tail in [0, 512] {
        let bytes = [gzip(body), vec![0; tail]].concat();
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, bytes).unwrap())
        };
        let (docs, summary) = read_corpus(&fifo, &o).unwrap();
        writer.join().unwrap();
        assert_eq!(docs, vec![doc("1", "one", &[Some("a")])]);
        assert_eq!(summary.warnings.len(), usize::from(tail > 0));
    }
}

#[test]
fn missing_columns() {
    let dir = TempDir::new().unwrap();
    let csv = write(&dir, "m.csv", b"body,y\nx,a\n");
    let msg = read_corpus(&csv, &opts(&[], &["y"]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("\"text\"") && msg.contains("\"body\", \"y\""),
        "{msg}"
    );

    // A missing label column: an error for training, ignored for prediction.
    let msg = read_corpus(&csv, &opts(&["body"], &["stance"]))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("label column \"stance\""), "{msg}");
    let mut o = opts(&["body"], &["stance"]);
    o.require_labels = false;
    let (docs, _) = read_corpus(&csv, &o).unwrap();
    assert_eq!(docs, vec![doc("1", "x", &[None])]);

    // JSON Lines: absent from one record is fine, absent from all is an error.
    let jsonl = write(
        &dir,
        "m.jsonl",
        b"{\"text\": \"a\", \"y\": \"p\"}\n{\"text\": \"b\"}\n",
    );
    let (docs, _) = read_corpus(&jsonl, &opts(&[], &["y"])).unwrap();
    assert_eq!(docs[1], doc("2", "b", &[None]));
    let msg = read_corpus(&jsonl, &opts(&["content"], &["y"]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("\"content\"") && msg.contains("\"text\", \"y\""),
        "{msg}"
    );
}

#[test]
fn empty_inputs() {
    let dir = TempDir::new().unwrap();
    let csv = write(&dir, "e.csv", b"");
    let msg = read_corpus(&csv, &opts(&[], &[])).unwrap_err().to_string();
    assert!(msg.contains("empty file, expected a header row"), "{msg}");
    // A header and no rows, or an empty JSONL: zero documents, not an error.
    let csv = write(&dir, "h.csv", b"text\n");
    assert!(read_corpus(&csv, &opts(&[], &[])).unwrap().0.is_empty());
    let jsonl = write(&dir, "e.jsonl", b"\n\n");
    assert!(read_corpus(&jsonl, &opts(&[], &[])).unwrap().0.is_empty());
}

#[test]
fn unknown_extension_suggests_data_format() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "corpus.txt", b"text\nx\n");
    let msg = read_corpus(&path, &opts(&[], &[])).unwrap_err().to_string();
    assert!(msg.contains("--data-format"), "{msg}");
    let mut o = opts(&[], &[]);
    o.format = Some(Format::Csv);
    assert_eq!(read_corpus(&path, &o).unwrap().0, vec![doc("1", "x", &[])]);
}

#[test]
fn directory_corpus() {
    let dir = TempDir::new().unwrap();
    write(&dir, "README", b"about");
    write(&dir, "sport/b.txt", b"\xEF\xBB\xBFgoal\r\nscored");
    write(&dir, "sport/a.txt", b"match");
    write(&dir, "sport/.hidden", b"no");
    write(&dir, ".git/x", b"no");
    write(&dir, "tech/deep/c.txt", b"caf\xe9");
    let (docs, summary) = read_corpus(dir.path(), &opts(&[], &["topic"])).unwrap();
    assert_eq!(
        docs,
        vec![
            doc("sport/a.txt", "match", &[Some("sport")]),
            doc("sport/b.txt", "goal\nscored", &[Some("sport")]),
            doc("tech/deep/c.txt", "caf\u{e9}", &[Some("tech")]),
        ]
    );
    assert_eq!(summary.latin1_fallbacks, 1);
    assert_eq!(summary.unlabelled_skipped, 1);

    // For prediction a root file is a document without a label.
    let mut o = opts(&[], &["topic"]);
    o.require_labels = false;
    let (docs, _) = read_corpus(dir.path(), &o).unwrap();
    assert_eq!(docs[0], doc("README", "about", &[None]));
    assert_eq!(docs.len(), 4);
}

#[test]
fn directory_stream_tells_how_many_files_are_left() {
    let dir = TempDir::new().unwrap();
    write(&dir, "a/1.txt", b"one");
    write(&dir, "a/2.txt", b"two");
    write(&dir, "b/3.txt", b"three");
    let mut stream = open_corpus(dir.path(), &opts(&[], &["y"])).unwrap();
    assert_eq!(stream.size_hint(), (0, Some(3)));
    stream.next().unwrap().unwrap();
    assert_eq!(stream.size_hint(), (0, Some(2)));
    assert_eq!(stream.by_ref().count(), 2);
    assert_eq!(stream.size_hint(), (0, Some(0)));
    let csv = write(
        &dir,
        "c.csv",
        b"text,y
x,a
",
    );
    assert_eq!(
        open_corpus(&csv, &opts(&["text"], &["y"]))
            .unwrap()
            .size_hint()
            .1,
        None
    );
}

#[test]
fn directory_files_larger_than_the_read_buffer_are_read_whole() {
    let dir = TempDir::new().unwrap();
    // Past the initial buffer, and past the size after which the buffer is given back.
    let big: String = "word ".repeat((5 << 20) / 5 + 7);
    write(&dir, "a/1.txt", big.as_bytes());
    write(&dir, "a/2.txt", b"short");
    write(&dir, "b/3.txt", b"");
    let (docs, _) = read_corpus(dir.path(), &opts(&[], &["y"])).unwrap();
    assert_eq!(
        docs,
        vec![
            doc("a/1.txt", &big, &[Some("a")]),
            doc("a/2.txt", "short", &[Some("a")]),
            doc("b/3.txt", "", &[Some("b")]),
        ]
    );
}

/// A folder corpus of `per_class` files in each of three classes (more files than the
/// reader hands to one reading task, and than it queues ahead), plus a README in the root;
/// returns the documents expected from it, in walk order.
fn many_file_corpus(dir: &TempDir, per_class: usize) -> Vec<Document> {
    write(dir, "README", b"about");
    let mut expected = Vec::new();
    for class in ["a", "b", "c"] {
        // Zero-padded names: byte order is numeric order.
        for i in 0..per_class {
            let id = format!("{class}/{i:04}.txt");
            let text = format!("text {i} of {class}");
            write(dir, &id, text.as_bytes());
            expected.push(doc(&id, &text, &[Some(class)]));
        }
    }
    expected
}

#[test]
fn directory_corpora_of_many_files_keep_walk_order_on_any_pool() {
    let dir = TempDir::new().unwrap();
    let expected = many_file_corpus(&dir, 700);
    let (docs, summary) = read_corpus(dir.path(), &opts(&[], &["y"])).unwrap();
    assert_eq!(docs, expected);
    assert_eq!(summary.documents, expected.len());
    assert_eq!(summary.unlabelled_skipped, 1);
    // Read from inside a one-thread pool: the reader must neither deadlock waiting for
    // its own reading tasks nor change the order.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (in_pool, _) = pool
        .install(|| read_corpus(dir.path(), &opts(&[], &["y"])))
        .unwrap();
    assert_eq!(in_pool, expected);
}

#[test]
fn an_unreadable_file_among_many_is_reported_in_its_place() {
    let dir = TempDir::new().unwrap();
    let mut expected = many_file_corpus(&dir, 300);
    // A dangling symlink cannot be read, even by root.
    let bad = dir.path().join("b/0150.txt");
    std::fs::remove_file(&bad).unwrap();
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &bad).unwrap();
    let at = expected.iter().position(|d| d.id == "b/0150.txt").unwrap();

    let mut stream = open_corpus(dir.path(), &opts(&[], &["y"])).unwrap();
    let before: Vec<Document> = stream.by_ref().map_while(Result::ok).collect();
    assert_eq!(before, expected[..at]);
    assert!(stream.next().is_none(), "the error ends the stream");
    let err = open_corpus(dir.path(), &opts(&[], &["y"]))
        .unwrap()
        .find_map(Result::err)
        .unwrap();
    assert!(
        err.to_string().contains("b/0150.txt") && err.to_string().contains("cannot read"),
        "{err}"
    );

    let mut o = opts(&[], &["y"]);
    o.skip_bad = true;
    let (docs, summary) = read_corpus(dir.path(), &o).unwrap();
    expected.remove(at);
    assert_eq!(docs, expected);
    assert_eq!(summary.skipped_bad, 1);
    assert_eq!(summary.documents, expected.len());
}

/// Sizes (in texts) of the batches of 100 texts of 9 bytes, batch size 90 bytes, ramp
/// from 10 bytes; `sized` says whether the stream tells how many documents are left.
fn ramp_batch_sizes(sized: bool) -> Vec<usize> {
    let texts: Vec<String> = (0..100).map(|i| format!("{i:09}")).collect();
    let mut docs = texts.iter().map(|t| Ok(doc("", t, &[])));
    // `from_fn` hides the length, as a tabular file's stream does.
    let unsized_docs = std::iter::from_fn(|| docs.next());
    let docs: Box<dyn Iterator<Item = Result<Document, CorpusError>>> = if sized {
        Box::new(texts.iter().map(|t| Ok(doc("", t, &[]))))
    } else {
        Box::new(unsized_docs)
    };
    let mut error = None;
    let batches: Vec<Vec<String>> = TextBatches::new(docs, 90, &mut error, |d| Some(d.text))
        .ramp(10)
        .collect();
    assert!(error.is_none());
    assert_eq!(batches.concat(), texts, "every text, in order");
    batches.iter().map(Vec::len).collect()
}

#[test]
fn text_batches_ramp_up_to_the_batch_size() {
    // At least 10, 20, 40, 80 bytes, then 90: 2, 3, 5, 9, then 10 texts per batch.
    let sizes = ramp_batch_sizes(false);
    assert_eq!(sizes[..5], [2, 3, 5, 9, 10]);
    assert!(
        sizes[5..sizes.len() - 1].iter().all(|&n| n == 10),
        "{sizes:?}"
    );
}

#[test]
fn text_batches_ramp_down_when_the_stream_knows_what_is_left() {
    // Each batch at most half the bytes estimated to remain, never below 10 bytes: with 11
    // texts left (99 bytes) the next batch aims at 49 bytes (6 texts), then 22 (3), then
    // the 10-byte floor (the last 2).
    assert_eq!(
        ramp_batch_sizes(true),
        [2, 3, 5, 9, 10, 10, 10, 10, 10, 10, 10, 6, 3, 2]
    );
}

#[test]
fn directory_entries_in_byte_order_past_their_first_eight_bytes() {
    let dir = TempDir::new().unwrap();
    // Names sharing an 8-byte prefix, a prefix of another name, upper case before lower.
    let names = [
        "abcdefgh1",
        "abcdefgh",
        "abcdefgi",
        "abcdefgh0",
        "ab",
        "B",
        "abcdefgh10",
    ];
    for class in ["classes-b", "classes-a", "Classes"] {
        for name in names {
            write(&dir, &format!("{class}/{name}"), name.as_bytes());
        }
    }
    let (docs, _) = read_corpus(dir.path(), &opts(&[], &["y"])).unwrap();
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    let mut expected: Vec<String> = ["Classes", "classes-a", "classes-b"]
        .iter()
        .flat_map(|c| {
            let mut sorted = names;
            sorted.sort_unstable();
            sorted.map(|n| format!("{c}/{n}"))
        })
        .collect();
    assert_eq!(ids, expected.iter().map(String::as_str).collect::<Vec<_>>());
    expected.sort_unstable();
    assert_eq!(ids, expected);
}

/// Class folders are listed in parallel: the walk error reported is still the first one
/// in walk order (here folders nested past the depth limit in two classes).
#[test]
fn directory_walk_errors_come_in_walk_order() {
    let dir = TempDir::new().unwrap();
    for class in ["a", "c", "e"] {
        write(&dir, &format!("{class}/1.txt"), b"one");
    }
    let deep = |class: &str| format!("{class}/{}", "x/".repeat(70));
    write(&dir, &format!("{}f.txt", deep("b")), b"deep");
    write(&dir, &format!("{}f.txt", deep("d")), b"deep");
    let walk_error = |dir: &TempDir| match open_corpus(dir.path(), &opts(&[], &["y"])) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("folders nested too deep must fail the walk"),
    };
    let msg = walk_error(&dir);
    assert!(msg.contains("deeper than"), "{msg}");
    assert!(
        msg.contains("/b/x/x/"),
        "the first error in walk order: {msg}"
    );
    std::fs::remove_dir_all(dir.path().join("b/x")).unwrap();
    let msg = walk_error(&dir);
    assert!(msg.contains("/d/x/x/"), "{msg}");
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_names_the_link_and_where_it_leads() {
    let dir = TempDir::new().unwrap();
    write(&dir, "fruit/1.txt", b"apple");
    let link = dir.path().join("fruit/up");
    std::os::unix::fs::symlink(dir.path(), &link).unwrap();
    let err = match open_corpus(dir.path(), &opts(&[], &["y"])) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a symlink loop must fail the walk"),
    };
    let want = format!(
        "{}: a symlink loop: this leads back to {}, which is being read already",
        link.display(),
        dir.path().display()
    );
    assert_eq!(err, want);
}

#[cfg(unix)]
#[test]
fn unreadable_directory_file_is_a_bad_record() {
    use std::os::unix::fs::symlink;
    let dir = TempDir::new().unwrap();
    write(&dir, "a/ok.txt", b"fine");
    // A dangling symlink cannot be read, whoever runs the test (root included).
    symlink(dir.path().join("nowhere"), dir.path().join("a/broken.txt")).unwrap();
    let err = read_corpus(dir.path(), &opts(&[], &["y"])).unwrap_err();
    assert!(
        matches!(err, CorpusError::BadRecord { line: 0, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("broken.txt: cannot read"), "{err}");
    let mut o = opts(&[], &["y"]);
    o.skip_bad = true;
    let (docs, summary) = read_corpus(dir.path(), &o).unwrap();
    assert_eq!(docs, vec![doc("a/ok.txt", "fine", &[Some("a")])]);
    assert_eq!(summary.skipped_bad, 1);
}

#[test]
fn join_fills_fields_and_reports_missing_keys() {
    let dir = TempDir::new().unwrap();
    let stances = write(
        &dir,
        "stances.csv",
        b"Headline,Body ID,Stance\nH1,1,agree\nH2,2,unrelated\nH3,9,discuss\n",
    );
    let bodies = write(
        &dir,
        "bodies.jsonl",
        b"{\"Body ID\": 1, \"articleBody\": \"first body\", \"Headline\": \"ignored\"}\n\
          {\"Body ID\": 2, \"articleBody\": \"second body\"}\n",
    );
    let mut o = opts(&["articleBody"], &["Stance"]);
    o.pair_col = Some("Headline".into());
    o.group_col = Some("Body ID".into());
    o.joins = vec![JoinSpec {
        path: bodies.clone(),
        on: "Body ID".into(),
    }];
    let err = read_corpus(&stances, &o).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("stances.csv:4:") && msg.contains("Body ID = \"9\""),
        "{msg}"
    );

    o.skip_bad = true;
    let (docs, summary) = read_corpus(&stances, &o).unwrap();
    let want = |id: &str, text: &str, pair: &str, label: &str, group: &str| Document {
        id: id.into(),
        text: text.into(),
        pair: s(pair),
        labels: vec![s(label)],
        group: s(group),
    };
    // The main file's Headline wins over the joined one.
    assert_eq!(
        docs,
        vec![
            want("1", "first body", "H1", "agree", "1"),
            want("2", "second body", "H2", "unrelated", "2"),
        ]
    );
    assert_eq!(summary.skipped_bad, 1);

    let dup = write(&dir, "dup.csv", b"Body ID,articleBody\n1,a\n1,b\n");
    o.joins = vec![JoinSpec {
        path: dup,
        on: "Body ID".into(),
    }];
    let msg = read_corpus(&stances, &o).unwrap_err().to_string();
    assert!(
        msg.contains("duplicate") && msg.contains("lines 2 and 3"),
        "{msg}"
    );
}

#[test]
fn stream_reports_counts_as_it_goes() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "s.jsonl", b"{\"text\": \"a\"}\n{\"text\": \"b\"}\n");
    let mut stream = open_corpus(&path, &opts(&[], &[])).unwrap();
    assert_eq!(stream.next().unwrap().unwrap().text, "a");
    assert_eq!(stream.summary().documents, 1);
    assert_eq!(stream.next().unwrap().unwrap().text, "b");
    assert!(stream.next().is_none());
    assert!(stream.next().is_none());
    assert_eq!(stream.summary().documents, 2);
}

#[test]
fn never_panics_on_garbage() {
    let dir = TempDir::new().unwrap();
    let mut next = crate::test_rng::xorshift(0x2545_f491_4f6c_dd1d);
    for round in 0..200 {
        let len = (round * 7) % 300;
        let bytes: Vec<u8> = (0..len)
            .map(|_| b"{}[]\",:\n\r\t abc\\\xff\x00"[(next() % 17) as usize])
            .collect();
        for name in ["g.csv", "g.tsv", "g.jsonl"] {
            let path = write(&dir, name, &bytes);
            let mut o = opts(&[], &[]);
            o.skip_bad = round % 2 == 0;
            let _ = read_corpus(&path, &o);
        }
    }
}

// ---- real corpora ----

fn datasets() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets");
    if root.is_dir() {
        Some(root)
    } else {
        eprintln!("skipping: {} not found", root.display());
        None
    }
}

fn label_counts(docs: &[Document], k: usize) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for d in docs {
        if let Some(l) = &d.labels[k] {
            *counts.entry(l.clone()).or_insert(0) += 1;
        }
    }
    counts
}

#[test]
fn real_bbc() {
    let Some(root) = datasets() else { return };
    let (docs, summary) = read_corpus(&root.join("bbc"), &opts(&[], &["topic"])).unwrap();
    assert_eq!(docs.len(), 2225);
    let counts = label_counts(&docs, 0);
    assert_eq!(counts.len(), 5);
    assert_eq!(counts["sport"], 511);
    assert!(summary.latin1_fallbacks >= 1);
    let d = docs.iter().find(|d| d.id == "sport/199.txt").unwrap();
    assert!(!d.text.is_empty());
    assert_eq!(summary.unlabelled_skipped, 1); // README.TXT
}

#[test]
fn real_20news() {
    let Some(root) = datasets() else { return };
    let (docs, summary) =
        read_corpus(&root.join("20news-bydate-train"), &opts(&[], &["group"])).unwrap();
    assert_eq!(docs.len(), 11_314);
    assert_eq!(label_counts(&docs, 0).len(), 20);
    assert_eq!(summary.skipped_bad, 0);
}

#[test]
fn real_allsides() {
    let Some(root) = datasets() else { return };
    let mut o = opts(&["title", "content_original"], &["topic", "bias_text"]);
    o.id_col = Some("ID".into());
    let start = Instant::now();
    let (docs, summary) = read_corpus(&root.join("allsides/articles.jsonl.gz"), &o).unwrap();
    eprintln!(
        "allsides: {} docs read in {:.2?}",
        docs.len(),
        start.elapsed()
    );
    assert_eq!(docs.len(), 36_254);
    assert_eq!(summary.skipped_bad, 0);
    let bias = label_counts(&docs, 1);
    assert_eq!(bias["left"], 12_603);
    assert_eq!(bias["center"], 10_516);
    assert_eq!(bias["right"], 13_135);
    assert!(label_counts(&docs, 0).len() >= 100);
}

#[test]
fn real_fnc1_join() {
    let Some(root) = datasets() else { return };
    let fnc = root.join("fnc1");
    let mut o = opts(&["articleBody"], &["Stance"]);
    o.pair_col = Some("Headline".into());
    o.group_col = Some("Body ID".into());
    o.joins = vec![JoinSpec {
        path: fnc.join("train_bodies.csv"),
        on: "Body ID".into(),
    }];
    let (docs, summary) = read_corpus(&fnc.join("train_stances.csv"), &o).unwrap();
    assert_eq!(docs.len(), 49_972);
    assert_eq!(summary.skipped_bad, 0);
    let counts = label_counts(&docs, 0);
    assert_eq!(counts.len(), 4);
    assert_eq!(counts["unrelated"], 36_545);
    assert!(docs
        .iter()
        .all(|d| !d.text.is_empty() && d.pair.is_some() && d.group.is_some()));
}

/// Timing breakdown for AllSides: inflating alone, then the full read. Run by hand with
/// `cargo test --lib corpus::tests::time_allsides -- --ignored --nocapture`.
#[test]
#[ignore]
fn time_allsides() {
    use std::io::Read;
    let Some(root) = datasets() else { return };
    let path = root.join("allsides/articles.jsonl.gz");
    // CPU seconds of this process (all threads), less noisy than wall time on a busy box.
    let cpu = || -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<&str> = after.split_whitespace().collect();
        // Fields 14 and 15 (utime, stime, in ticks) are the 12th and 13th after the name.
        let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
        (tick(11) + tick(12)) / 100.0
    };
    for _ in 0..3 {
        let start = Instant::now();
        let cpu0 = cpu();
        let mut src = source::open_bytes(&path).unwrap();
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0usize;
        loop {
            let n = src.reader.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            total += n;
        }
        let inflate = start.elapsed();
        let cpu1 = cpu();
        let mut o = opts(&["title", "content_original"], &["topic", "bias_text"]);
        o.id_col = Some("ID".into());
        let start = Instant::now();
        let (docs, _) = read_corpus(&path, &o).unwrap();
        eprintln!(
            "inflate {total} bytes: {inflate:.2?} ({:.2} s CPU); full read of {} docs: {:.2?} ({:.2} s CPU)",
            cpu1 - cpu0,
            docs.len(),
            start.elapsed(),
            cpu() - cpu1
        );
    }
}

#[test]
fn windows_line_ends_become_newlines_and_lone_carriage_returns_stay() {
    use super::source::normalize_newlines;
    for (input, want) in [
        ("a\r\nb", "a\nb"),
        ("a\rb\r", "a\rb\r"),
        ("a\r\r\nb\r\n", "a\r\nb\n"),
        ("\r\n", "\n"),
        ("no line ends", "no line ends"),
        ("", ""),
    ] {
        assert_eq!(normalize_newlines(input.to_string()), want, "{input:?}");
    }
}

#[test]
fn a_nul_byte_in_the_first_8_kib_makes_a_file_binary() {
    let mut text = vec![b'a'; 8 << 10];
    assert_eq!(source::looks_binary(&text), None);
    text.push(0);
    assert_eq!(
        source::looks_binary(&text),
        None,
        "a NUL past the first 8 KiB"
    );
    text[8191] = 0;
    assert_eq!(
        source::looks_binary(&text).as_deref(),
        Some("looks binary: NUL byte at offset 8191")
    );
    assert_eq!(source::looks_binary(b""), None);
}
