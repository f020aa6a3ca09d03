//! A catalogue of bad inputs, run through the binary: for each, the exit code from the
//! README's table, the message naming the file (and line or record) and the fault, and
//! never a panic. Every input is generated here, in a temporary folder.
//!
//! README.md's "Bad input" table lists the same cases and must say what these tests assert.

use assert_cmd::Command;
use std::io::Write;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Asserts the exit code, showing both streams when it is not the expected one.
    fn code(&self, want: i32) -> &Self {
        assert_eq!(
            self.code, want,
            "exit code {} (want {want})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }
}

/// Runs `textclf args...` with `stdin` and checks that nothing panicked.
fn textclf_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    let out = Command::cargo_bin("textclf")
        .unwrap()
        .args(args)
        .write_stdin(stdin.to_vec())
        // A hang on bad input is a failure too, not a stuck test run.
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let run = Run {
        code: out
            .status
            .code()
            .expect("the binary was killed by a signal (or ran past the timeout: a hang?)"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked:\n{}",
        run.stderr
    );
    assert_ne!(run.code, 101, "exit code 101 is a Rust panic");
    run
}

fn textclf(args: &[&str]) -> Run {
    textclf_with_stdin(args, b"")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The model `train` and `eval` fit here: naive Bayes (fast, no tolerance) of label
/// `topic`, keeping every term of the tiny corpora.
const NB_TOPIC: [&str; 6] = ["--classifier", "nb", "--min-df", "1", "--label", "topic"];

/// `train --classifier nb --min-df 1` on `data`, models into `<tmp>/models`.
fn train(tmp: &TempDir, data: &Path, extra: &[&str]) -> Run {
    let models = tmp.path().join("models");
    let paths = ["--data", s(data), "--model-dir", s(&models)];
    textclf(&[&["train"][..], &NB_TOPIC, &paths, extra].concat())
}

/// Trains on `data` (eight good documents and `bad` bad records) twice: without
/// `--skip-bad` it must fail naming `error`; with it, read the eight and count the `bad`
/// skipped. Returns the second run, for the caller's own checks of what it listed.
fn refused_unless_skipped(tmp: &TempDir, data: &Path, error: &str, bad: usize) -> Run {
    train(tmp, data, &[]).code(3).stderr_has(error);
    let run = train(tmp, data, &["--skip-bad"]);
    run.code(0)
        .stdout_has("read 8 documents")
        .stdout_has(&format!("{bad} bad records skipped"));
    run
}

/// `eval` of label `topic`, trained on `data` and tested on `test`.
fn eval_on_test(data: &Path, test: &Path) -> Run {
    let args = [
        "eval",
        "--data",
        s(data),
        "--test",
        s(test),
        "--label",
        "topic",
    ];
    textclf(&[&args[..], &["--min-df", "1"]].concat())
}

/// `eval --classifier nb` of label `topic` in `data` with `extra` options: it must run and
/// warn of `warning` on the terminal and in its JSON report.
fn eval_warns(tmp: &TempDir, data: &Path, extra: &[&str], warning: &str) {
    let report = tmp.path().join("report.json");
    let paths = ["--data", s(data), "--json", s(&report)];
    textclf(&[&["eval"][..], &NB_TOPIC, &paths, extra].concat())
        .code(0)
        .stdout_has(&format!("warning: {warning}"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let warnings = json["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains(warning))),
        "{warnings:?}"
    );
}

fn write(tmp: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = tmp.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Four documents per class with words of their own, as CSV rows `text,topic` (no header).
const ROWS: &str = "\
the team won the match with a late goal,sport
fans cheered the team after the final goal,sport
the coach praised the players of the match,sport
a striker scored twice in the league match,sport
the minister announced a new election law,politics
parliament debated the election budget today,politics
the government lost the vote in parliament,politics
voters backed the minister in the election,politics
";

fn csv_with(rows: &str) -> Vec<u8> {
    format!("text,topic\n{ROWS}{rows}").into_bytes()
}

fn jsonl_rows() -> String {
    ROWS.lines()
        .map(|l| {
            let (text, topic) = l.rsplit_once(',').unwrap();
            format!("{{\"text\": \"{text}\", \"topic\": \"{topic}\"}}\n")
        })
        .collect()
}

#[test]
fn latin1_bytes_are_decoded_and_counted() {
    let tmp = TempDir::new().unwrap();
    let mut bytes = csv_with("");
    bytes.extend_from_slice(b"caf\xe9 cr\xe8me and the election,politics\n");
    let data = write(&tmp, "latin1.csv", &bytes);
    train(&tmp, &data, &[])
        .code(0)
        .stdout_has("read 9 documents")
        .stdout_has("1 decoded as Latin-1");
    // The same in JSON Lines: the line is re-read as Latin-1.
    let mut bytes = jsonl_rows().into_bytes();
    bytes.extend_from_slice(b"{\"text\": \"caf\xe9 and the goal\", \"topic\": \"sport\"}\n");
    let data = write(&tmp, "latin1.jsonl", &bytes);
    train(&tmp, &data, &[])
        .code(0)
        .stdout_has("read 9 documents")
        .stdout_has("1 decoded as Latin-1");
}

#[test]
fn nul_bytes_are_kept_and_do_not_stop_training() {
    let tmp = TempDir::new().unwrap();
    let data = write(
        &tmp,
        "nul.csv",
        &csv_with("the goal\0keeper saved\0\0 it,sport\n"),
    );
    train(&tmp, &data, &[])
        .code(0)
        .stdout_has("read 9 documents");
}

#[test]
fn a_utf8_bom_does_not_hide_the_header() {
    let tmp = TempDir::new().unwrap();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(csv_with(""));
    let data = write(&tmp, "bom.csv", &bytes);
    train(&tmp, &data, &[])
        .code(0)
        .stdout_has("read 8 documents")
        .stdout_has("task 'topic': 8 documents, 2 classes");
}

#[test]
fn crlf_line_ends_are_read() {
    let tmp = TempDir::new().unwrap();
    let text = String::from_utf8(csv_with("\"a quoted\nmulti-line goal\",sport\n")).unwrap();
    let data = write(&tmp, "crlf.csv", text.replace('\n', "\r\n").as_bytes());
    train(&tmp, &data, &[])
        .code(0)
        .stdout_has("read 9 documents")
        .stdout_has("task 'topic': 9 documents, 2 classes");
    // Lines are counted as an editor counts them: the quoted field spans lines 10-11, the
    // blank line is 12, the ragged row 13.
    let text = format!("{text}\nragged,sport,extra\n").replace('\n', "\r\n");
    let data = write(&tmp, "crlf-ragged.csv", text.as_bytes());
    train(&tmp, &data, &[])
        .code(3)
        .stderr_has("crlf-ragged.csv:13: row has 3 fields but the header has 2");
}

#[test]
fn an_unbalanced_quote_names_the_line() {
    let tmp = TempDir::new().unwrap();
    // The open quote swallows the rest of the file into one field: one short record.
    let data = write(
        &tmp,
        "quote.csv",
        &csv_with("\"an unclosed quote,sport\nmore text,politics\n"),
    );
    let path = data.display().to_string();
    train(&tmp, &data, &[])
        .code(3)
        .stderr_has(&format!("{path}:10: row has 1 fields but the header has 2"))
        .stderr_has("unbalanced quote");
}

#[test]
fn ragged_rows_name_the_line_or_are_skipped_and_counted() {
    let tmp = TempDir::new().unwrap();
    let data = write(
        &tmp,
        "ragged.csv",
        &csv_with("one field too many,sport,extra\nonly one field\n"),
    );
    let path = data.display().to_string();
    let error = format!("{path}:10: row has 3 fields but the header has 2");
    refused_unless_skipped(&tmp, &data, &error, 2)
        .stdout_has(&format!(
            "skipped: {path}:10: row has 3 fields but the header has 2"
        ))
        .stdout_has(&format!(
            "skipped: {path}:11: row has 1 fields but the header has 2"
        ));
}

/// `eval --skip-bad` says in its report how many records it left out, and which first:
/// its figures are over the records read, not the whole file.
#[test]
fn eval_reports_the_records_it_skipped() {
    let tmp = TempDir::new().unwrap();
    let data = write(&tmp, "ragged.csv", &csv_with("only one field\n"));
    let warning = format!(
        "{}: 1 bad record(s) skipped (--skip-bad) and left out of every figure; the first: \
         {}:10: row has 1 fields but the header has 2",
        data.display(),
        data.display()
    );
    eval_warns(&tmp, &data, &["--folds", "2", "--skip-bad"], &warning);
}

#[test]
fn a_column_named_twice_in_the_header_is_refused() {
    let tmp = TempDir::new().unwrap();
    let data = write(
        &tmp,
        "twice.csv",
        format!("text,topic,text\n{}", ROWS.replace('\n', ",more\n")).as_bytes(),
    );
    train(&tmp, &data, &[]).code(3).stderr_has(
        "twice.csv: column \"text\" appears more than once in the header (columns 1 and 3)",
    );
}

#[test]
fn an_empty_file_is_a_data_error() {
    let tmp = TempDir::new().unwrap();
    let data = write(&tmp, "empty.csv", b"");
    let path = data.display().to_string();
    train(&tmp, &data, &[])
        .code(3)
        .stderr_has(&format!("{path}: empty file, expected a header row"));
    let data = write(&tmp, "empty.jsonl", b"");
    let path = data.display().to_string();
    train(&tmp, &data, &[])
        .code(3)
        .stderr_has(&format!("{path}: the corpus holds no documents"));
}

#[test]
fn a_header_only_is_an_empty_corpus() {
    let tmp = TempDir::new().unwrap();
    let data = write(&tmp, "header.csv", b"text,topic\n");
    let path = data.display().to_string();
    train(&tmp, &data, &[])
        .code(3)
        .stderr_has(&format!("{path}: the corpus holds no documents"));
}

#[test]
fn empty_texts_are_kept_as_documents_without_terms() {
    let tmp = TempDir::new().unwrap();
    let data = write(
        &tmp,
        "empty_texts.csv",
        &csv_with(",sport\n\"   \",politics\n"),
    );
    // Kept and trained on (a document with no terms); only the label counts.
    train(&tmp, &data, &[])
        .code(0)
        .stdout_has("read 10 documents")
        .stdout_has("task 'topic': 10 documents, 2 classes");
    // When no text has a term at all there is nothing to learn from.
    let data = write(&tmp, "all_empty.csv", b"text,topic\n,sport\n!!,politics\n");
    let path = data.display().to_string();
    train(&tmp, &data, &[]).code(3).stderr_has(&format!(
        "{path}: the training texts give no features: empty vocabulary: \
         the documents contain no terms"
    ));
}

#[test]
fn missing_and_empty_labels_are_left_out_and_counted() {
    let tmp = TempDir::new().unwrap();
    let data = write(
        &tmp,
        "labels.csv",
        &csv_with("a goal without a label,\nanother one with blanks,\"  \"\n"),
    );
    train(&tmp, &data, &[])
        .code(0)
        .stdout_has("read 10 documents")
        .stdout_has("task 'topic': 8 documents, 2 classes (2 without a label left out)");
    // JSON Lines: a key that is absent, null or empty.
    let mut text = jsonl_rows();
    text.push_str("{\"text\": \"no topic key\"}\n");
    text.push_str("{\"text\": \"null topic\", \"topic\": null}\n");
    text.push_str("{\"text\": \"empty topic\", \"topic\": \"\"}\n");
    let data = write(&tmp, "labels.jsonl", text.as_bytes());
    train(&tmp, &data, &[])
        .code(0)
        .stdout_has("read 11 documents")
        .stdout_has("task 'topic': 8 documents, 2 classes (3 without a label left out)");
    // A label column that is not there at all is an error listing the columns.
    let data = write(&tmp, "nolabel.csv", b"text,section\na b,x\nc d,y\n");
    let path = data.display().to_string();
    train(&tmp, &data, &[]).code(3).stderr_has(&format!(
        "{path}: label column \"topic\" not found; available columns: \"text\", \"section\""
    ));
}

#[test]
fn a_blank_pair_text_is_a_bad_record_named_by_its_line() {
    let tmp = TempDir::new().unwrap();
    let mut text = String::from("text,topic,headline\n");
    for row in ROWS.lines() {
        text.push_str(&format!("{row},news of the day\n"));
    }
    text.push_str("a record without its headline,sport,\n");
    let data = write(&tmp, "pairs.csv", text.as_bytes());
    let path = data.display().to_string();
    let pair = ["--pair-col", "headline"];
    let models = tmp.path().join("models");
    // svm: naive Bayes cannot take the relation features (some are negative).
    let train = [
        "train",
        "--classifier",
        "svm",
        "--label",
        "topic",
        "--min-df",
        "1",
    ];
    let train = [
        &train[..],
        &pair,
        &["--data", &path, "--model-dir", s(&models)],
    ]
    .concat();
    textclf(&train)
        .code(3)
        .stderr_has(&format!("{path}:10: the pair column \"headline\" is empty"));
    textclf(&[&train[..], &["--skip-bad"]].concat())
        .code(0)
        .stdout_has("read 8 documents")
        .stdout_has("1 bad records skipped");
    // Scoring gives the record its own error line and scores the others (it stopped, with
    // a message blaming a missing --pair-col, and scored nothing).
    let predict = ["predict", "--model-dir", s(&models), "--input", &path];
    let run = textclf(&[&predict[..], &pair, &["--format", "jsonl"]].concat());
    run.code(3).stderr_has("1 record(s) could not be read");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 9, "{}", run.stdout);
    assert!(
        lines[8].contains(r#""error":"the pair column \"headline\" is empty","id":"line 10""#),
        "{}",
        lines[8]
    );
}

#[test]
fn one_class_is_a_data_error() {
    let tmp = TempDir::new().unwrap();
    let data = write(
        &tmp,
        "one.csv",
        b"text,topic\nthe match,sport\nthe goal,sport\nthe team,sport\n",
    );
    let path = data.display().to_string();
    train(&tmp, &data, &[]).code(3).stderr_has(&format!(
        "{path}: label column 'topic': every labelled document has the same label 'sport'"
    ));
    // `eval --test` fits on the training corpus alone: the test corpus's classes do not
    // make up for it.
    let test = write(&tmp, "two.csv", &csv_with(""));
    eval_on_test(&data, &test).code(3).stderr_has(&format!(
        "{path}: label column 'topic': every labelled document has the same label 'sport'"
    ));
}

#[test]
fn eval_warns_of_test_classes_the_training_corpus_lacks() {
    let tmp = TempDir::new().unwrap();
    let data = write(&tmp, "train.csv", &csv_with(""));
    let test = write(
        &tmp,
        "test.csv",
        &csv_with("rain and wind all day,weather\n"),
    );
    eval_on_test(&data, &test)
        .code(0)
        .stdout_has("topic: class 'weather' of the test corpus is not in the training corpus");
}

#[test]
fn eval_warns_of_documents_without_a_label() {
    let tmp = TempDir::new().unwrap();
    let unlabelled = "a row nobody labelled,\nanother unlabelled row,\n";
    let data = write(&tmp, "data.csv", &csv_with(unlabelled));
    let warning = "topic: 2 document(s) without a label left out of every figure";
    eval_warns(&tmp, &data, &["--folds", "2"], warning);
    let train = write(&tmp, "train.csv", &csv_with(""));
    eval_warns(
        &tmp,
        &train,
        &["--test", s(&data)],
        "topic: 2 test document(s) without a label left out of every figure",
    );
    // Every document labelled: no such warning.
    let run = eval_on_test(&train, &train);
    run.code(0);
    assert!(!run.stdout.contains("without a label"), "{}", run.stdout);
}

#[test]
fn classes_smaller_than_the_folds_warn_and_still_run() {
    let tmp = TempDir::new().unwrap();
    let data = write(
        &tmp,
        "small.csv",
        &csv_with("the weather is sunny,weather\nrain is coming,weather\n"),
    );
    let warning = "topic: class 'weather' has only 2 member(s), fewer than the 5 folds: \
                   some test folds lack it";
    eval_warns(&tmp, &data, &["--folds", "5"], warning);
}

#[test]
fn a_50_mb_document_trains() {
    let tmp = TempDir::new().unwrap();
    let started = std::time::Instant::now();
    let mut bytes = csv_with("");
    bytes.extend_from_slice(b"\"");
    let words = [
        "goal", "team", "match", "league", "striker", "keeper", "fans",
    ];
    let mut i = 0usize;
    while bytes.len() < 50 << 20 {
        bytes.extend_from_slice(words[i % words.len()].as_bytes());
        bytes.extend_from_slice(if i % 17 == 16 { b".\n" } else { b" " });
        i += 1;
    }
    bytes.extend_from_slice(b"\",sport\n");
    let data = write(&tmp, "big.csv", &bytes);
    train(&tmp, &data, &[])
        .code(0)
        .stdout_has("read 9 documents")
        .stdout_has("task 'topic': 9 documents, 2 classes");
    let took = started.elapsed();
    assert!(took.as_secs() < 30, "a 50 MB document took {took:?}");
}

/// No n-gram is longer than its document, so a huge `--ngrams` maximum costs no more than
/// the longest document's length: the ordering of the kept n-grams allocated `MAX` slots
/// per n-gram, and `--ngrams 1-4294967295` aborted asking for 100 GB.
#[test]
fn a_huge_ngram_maximum_costs_what_the_documents_hold() {
    let tmp = TempDir::new().unwrap();
    let data = write(&tmp, "ok.csv", &csv_with(""));
    for max in ["4294967295", &usize::MAX.to_string()] {
        train(&tmp, &data, &["--ngrams", &format!("1-{max}")])
            .code(0)
            .stdout_has(&format!("word n-grams 1-{max}"));
    }
    let models = tmp.path().join("models");
    textclf_with_stdin(
        &["predict", "--model-dir", s(&models), "-"],
        b"the team won",
    )
    .code(0)
    .stdout_has("topic: sport");
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let tmp = TempDir::new().unwrap();
    let depth = 100_000;
    let nest = |inner: &str| format!("{}{inner}{}", "[".repeat(depth), "]".repeat(depth));
    // In the text field, in a field nobody asked for, and as the whole line.
    let mut text = jsonl_rows();
    text.push_str(&format!(
        "{{\"text\": {}, \"topic\": \"sport\"}}\n",
        nest("1")
    ));
    text.push_str(&format!(
        "{{\"text\": \"ok\", \"other\": {}, \"topic\": \"sport\"}}\n",
        nest("")
    ));
    text.push_str(&nest(""));
    text.push('\n');
    let data = write(&tmp, "deep.jsonl", text.as_bytes());
    let path = data.display().to_string();
    train(&tmp, &data, &[]).code(3).stderr_has(&format!(
        "{path}:9: invalid JSON record: invalid type: sequence, \
         expected a string, number, boolean or null in field \"text\""
    ));
    // The field nobody asked for is skipped without recursion (line 10 is read).
    train(&tmp, &data, &["--skip-bad"])
        .code(0)
        .stdout_has("read 9 documents")
        .stdout_has("2 bad records skipped")
        .stdout_has(&format!("skipped: {path}:9: invalid JSON record"))
        .stdout_has(&format!(
            "skipped: {path}:11: invalid JSON record: invalid type: sequence, expected a JSON object"
        ))
        .stdout_has("(JSON Lines needs one object per line, not an array)");
}

#[test]
fn json_lines_that_are_not_objects_are_bad_records() {
    let tmp = TempDir::new().unwrap();
    let mut text = jsonl_rows();
    text.push_str("42\n\"a string\"\nnull\n[1, 2]\n{\"text\": \"cut off\n");
    let data = write(&tmp, "scalars.jsonl", text.as_bytes());
    let path = data.display().to_string();
    let error = format!(
        "{path}:9: invalid JSON record: invalid type: integer `42`, expected a JSON object"
    );
    refused_unless_skipped(&tmp, &data, &error, 5)
        .stdout_has(&format!("skipped: {path}:10: invalid JSON record: invalid type: string \"a string\", expected a JSON object"))
        .stdout_has(&format!("skipped: {path}:11: invalid JSON record: invalid type: null, expected a JSON object"))
        .stdout_has(&format!("skipped: {path}:13: invalid JSON record: EOF while parsing a string"));
}

#[test]
fn a_truncated_gzip_is_a_clear_error() {
    let tmp = TempDir::new().unwrap();
    let mut plain = Vec::new();
    plain.extend_from_slice(b"text,topic\n");
    for i in 0..2000 {
        plain.extend_from_slice(format!("the team won match number {i},sport\n").as_bytes());
        plain.extend_from_slice(format!("the minister lost vote number {i},politics\n").as_bytes());
    }
    let full = gzip(&plain);
    let data = write(&tmp, "cut.csv.gz", &full[..full.len() / 2]);
    let path = data.display().to_string();
    train(&tmp, &data, &[]).code(3).stderr_has(&format!(
        "{path}: gzip data is truncated or corrupt at line"
    ));
    // A name ending in .gz that is not gzip at all.
    let data = write(&tmp, "fake.csv.gz", &csv_with(""));
    let path = data.display().to_string();
    train(&tmp, &data, &[]).code(3).stderr_has(&format!(
        "{path}: the name ends in .gz but the file is not gzip data"
    ));
}

/// `bytes` gzip-compressed, as one member.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// Zero padding after the gzip data (a tar-style block, which `gzip -d` accepts) is read
/// with a warning naming the file, after every member; other bytes there are an error
/// naming where they start.
#[test]
fn a_gzip_padded_with_zeros_is_read_with_a_warning() {
    let tmp = TempDir::new().unwrap();
    let member = gzip(jsonl_rows().as_bytes());
    let padded = [&member[..], &[0u8; 1024]].concat();
    let data = write(&tmp, "padded.jsonl.gz", &padded);
    let path = data.display().to_string();
    let warning =
        format!("textclf: warning: {path}: 1024 zero bytes after the end of the gzip data (padding) ignored");
    train(&tmp, &data, &[])
        .code(0)
        .stdout_has("read 8 documents")
        .stderr_has(&warning);
    let models = tmp.path().join("models");
    let run = textclf(&["predict", "--model-dir", s(&models), "--input", s(&data)]);
    run.code(0).stderr_has(&warning);
    assert_eq!(run.stdout.lines().count(), 8, "{}", run.stdout);
    // eval's report carries the warning too (it is read, then trained and tested on).
    eval_on_test(&data, &data).code(0).stdout_has(&format!(
        "warning: {path}: 1024 zero bytes after the end of the gzip data (padding) ignored"
    ));
    // Two members (a concatenated file), then padding.
    let data = write(&tmp, "two.jsonl.gz", &[&member[..], &padded].concat());
    train(&tmp, &data, &[])
        .code(0)
        .stdout_has("read 16 documents")
        .stderr_has("1024 zero bytes after the end of the gzip data");
    // Not zeros, or a member after the padding: refused, at the first such byte.
    for (name, tail, at) in [
        ("garbage.jsonl.gz", &b"garbage"[..], 0),
        ("late.jsonl.gz", &[&[0u8; 16][..], &member].concat()[..], 16),
    ] {
        let data = write(&tmp, name, &[&member[..], tail].concat());
        let path = data.display().to_string();
        let offset = member.len() + at;
        train(&tmp, &data, &[]).code(3).stderr_has(&format!(
            "{path}: unexpected bytes at byte offset {offset}, after the end of the gzip data: \
             neither another gzip member nor zero padding (after 8 records)"
        ));
    }
}

/// The eight `ROWS` as a folder corpus `<tmp>/corpus/<class>/<row>.txt`.
fn folder_corpus(tmp: &TempDir) -> PathBuf {
    let root = tmp.path().join("corpus");
    for (class, rows) in [("politics", 4..8), ("sport", 0..4)] {
        std::fs::create_dir_all(root.join(class)).unwrap();
        for (i, line) in ROWS.lines().enumerate().take(rows.end).skip(rows.start) {
            let text = line.rsplit_once(',').unwrap().0;
            std::fs::write(root.join(class).join(format!("{i}.txt")), text).unwrap();
        }
    }
    root
}

#[test]
fn an_unreadable_file_in_a_directory_corpus_names_it() {
    let tmp = TempDir::new().unwrap();
    let root = folder_corpus(&tmp);
    // Tests run as root, who can read a chmod 000 file: a dangling symlink cannot be read by anyone.
    let dangling = root.join("sport").join("9.txt");
    std::os::unix::fs::symlink(tmp.path().join("nowhere.txt"), &dangling).unwrap();
    let path = dangling.display().to_string();
    let error = format!("{path}: cannot read the file: No such file or directory");
    refused_unless_skipped(&tmp, &root, &error, 1)
        .stdout_has(&format!("skipped: {path}: cannot read the file"));
}

#[test]
fn a_fifo_in_a_directory_corpus_is_a_bad_record_not_a_hang() {
    let tmp = TempDir::new().unwrap();
    let root = folder_corpus(&tmp);
    // Opening a FIFO nobody writes to blocks forever: it must not be opened at all.
    let fifo = root.join("sport").join("9.txt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo failed");
    let path = fifo.display().to_string();
    let error = format!("{path}: not a regular file (a FIFO, socket or device), left unread");
    refused_unless_skipped(&tmp, &root, &error, 1);
}

/// A folder below `parent` that exists but that nobody can list, root included (tests may
/// run as root, who lists a chmod 000 folder): its path is longer than Linux's PATH_MAX,
/// so `read_dir` fails with ENAMETOOLONG. The walk reaches it from the corpus root by
/// relative steps no longer than that, so the folders above it list. Built as two chains
/// of 250-byte names, each short enough to create, the second then moved under the first.
#[cfg(target_os = "linux")]
fn unlistable_folder(tmp: &TempDir, parent: &Path) -> PathBuf {
    const PATH_MAX: usize = 4096; // with the terminating NUL
    let name = "d".repeat(250);
    let chain = |from: &Path, n: usize| (0..n).fold(from.to_path_buf(), |p, _| p.join(&name));
    let first = chain(parent, 9);
    std::fs::create_dir_all(&first).unwrap();
    let second = tmp.path().join("chain");
    std::fs::create_dir_all(chain(&second, 9)).unwrap();
    std::fs::rename(second.join(&name), first.join(&name)).unwrap();
    let unlistable = (10..=18)
        .map(|n| chain(parent, n))
        .find(|p| p.as_os_str().len() >= PATH_MAX)
        .expect("18 levels of 250 bytes pass PATH_MAX");
    assert!(std::fs::read_dir(&unlistable).is_err(), "the folder lists");
    unlistable
}

/// A sub-folder that cannot be listed stops the run (the system's error, exit code 5), as it
/// did; with `--skip-bad` it is one bad record naming the folder and the error, and the
/// rest of the corpus trains (it was fatal either way).
#[cfg(target_os = "linux")]
#[test]
fn a_folder_that_cannot_be_listed_is_a_bad_record_under_skip_bad() {
    let tmp = TempDir::new().unwrap();
    let root = folder_corpus(&tmp);
    let folder = unlistable_folder(&tmp, &root.join("sport"));
    let path = folder.display().to_string();
    train(&tmp, &root, &[])
        .code(5)
        .stderr_has(&format!("{path}: File name too long"));
    train(&tmp, &root, &["--skip-bad"])
        .code(0)
        .stdout_has("read 8 documents")
        .stdout_has("1 bad records skipped")
        .stdout_has(&format!(
            "skipped: {path}: cannot list the folder: File name too long"
        ));
    // `predict --input` gives it an error line, named by its path in the corpus.
    let models = tmp.path().join("models");
    let below = folder.strip_prefix(&root).unwrap().display().to_string();
    let args = ["predict", "--model-dir", s(&models), "--input", s(&root)];
    textclf(&[&args[..], &["--skip-bad"]].concat())
        .code(0)
        .stdout_has(&format!(
            "{below}\terror: cannot list the folder: File name too long"
        ))
        .stdout_has("sport/0.txt\ttopic: sport");
}

/// A stray binary file (an image, a PDF, a `Thumbs.db`) in a folder corpus
/// was trained on as Latin-1 gibberish: a NUL byte in its first 8 KiB makes it a bad record.
/// `predict` says the same of it, given the folder or the file.
#[test]
fn a_binary_file_in_a_folder_corpus_is_a_bad_record() {
    let tmp = TempDir::new().unwrap();
    let root = folder_corpus(&tmp);
    let jpeg = root.join("sport").join("photo.jpg");
    std::fs::write(&jpeg, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01").unwrap();
    let path = jpeg.display().to_string();
    let error = format!("{path}: looks binary: NUL byte at offset 4");
    refused_unless_skipped(&tmp, &root, &error, 1).stdout_has(&format!("skipped: {error}"));

    let models = tmp.path().join("models");
    let predict = |extra: &[&str]| {
        let args = ["predict", "--model-dir", s(&models), "--format", "jsonl"];
        textclf(&[&args[..], extra].concat())
    };
    let error_line =
        |id: &str| format!("{{\"error\":\"looks binary: NUL byte at offset 4\",\"id\":\"{id}\"}}");
    // The folder: the file's line is named by its path in the corpus, as its document would be.
    predict(&["--input", s(&root)])
        .code(3)
        .stdout_has(&error_line("sport/photo.jpg"))
        .stdout_has("\"id\":\"sport/0.txt\"")
        .stderr_has("1 record(s) could not be read");
    // The file itself: an error line, the other files scored, and the same exit codes.
    let text = root.join("sport").join("0.txt");
    predict(&[s(&jpeg), s(&text)])
        .code(3)
        .stdout_has(&error_line(&path))
        .stdout_has("\"topic\":{\"label\":\"sport\"")
        .stderr_has("1 file(s) could not be scored");
    predict(&["--skip-bad", s(&jpeg)]).code(0);
    // A NUL byte past the first 8 KiB does not make a long text binary.
    let mut long = "the team won the match ".repeat(400).into_bytes();
    long.push(0);
    std::fs::remove_file(&jpeg).unwrap();
    std::fs::write(root.join("sport").join("long.txt"), long).unwrap();
    train(&tmp, &root, &[])
        .code(0)
        .stdout_has("read 9 documents");
}

#[test]
fn cjk_rtl_and_emoji_text_trains_predicts_and_shows_its_terms() {
    let tmp = TempDir::new().unwrap();
    let mut text = String::from("text,topic\n");
    for i in 0..4 {
        text.push_str(&format!("経済 市場 株価 上昇 {i} 📈,economy\n"));
        text.push_str(&format!("الانتخابات البرلمان الحكومة {i} 🗳️,politics\n"));
    }
    let data = write(&tmp, "intl.csv", text.as_bytes());
    train(&tmp, &data, &[])
        .code(0)
        .stdout_has("task 'topic': 8 documents, 2 classes");
    let model = tmp.path().join("models/topic.model");
    let run = textclf(&["inspect", s(&model), "--format", "json"]);
    run.code(0);
    for term in ["経済", "市場", "الانتخابات", "البرلمان"] {
        assert!(
            run.stdout.contains(term),
            "inspect lacks {term}:\n{}",
            run.stdout
        );
    }
    // Emoji are not word characters: they make no terms.
    assert!(!run.stdout.contains('📈'), "{}", run.stdout);
    let models = tmp.path().join("models");
    textclf_with_stdin(
        &["predict", "--model-dir", s(&models)],
        "株価 市場".as_bytes(),
    )
    .code(0)
    .stdout_has("topic: economy");
    textclf_with_stdin(
        &["predict", "--model-dir", s(&models)],
        "البرلمان 🗳️".as_bytes(),
    )
    .code(0)
    .stdout_has("topic: politics");
}

#[test]
fn a_numeric_text_field_becomes_text() {
    let tmp = TempDir::new().unwrap();
    let mut text = jsonl_rows();
    text.push_str("{\"text\": 2024, \"topic\": \"politics\"}\n");
    text.push_str("{\"text\": 2024, \"topic\": \"politics\"}\n");
    text.push_str("{\"text\": true, \"topic\": \"sport\"}\n");
    let data = write(&tmp, "numbers.jsonl", text.as_bytes());
    train(&tmp, &data, &[])
        .code(0)
        .stdout_has("read 11 documents");
    let model = tmp.path().join("models/topic.model");
    textclf(&["inspect", s(&model), "--format", "json", "--top", "50"])
        .code(0)
        .stdout_has("\"2024\"")
        .stdout_has("\"true\"");
}

/// A small model for the predict-side cases.
fn trained(tmp: &TempDir) -> PathBuf {
    let data = write(tmp, "base.csv", &csv_with(""));
    train(tmp, &data, &["--quiet"]).code(0);
    tmp.path().join("models")
}

#[test]
fn predict_on_a_missing_file_is_an_io_error_naming_it() {
    let tmp = TempDir::new().unwrap();
    let models = trained(&tmp);
    let missing = tmp.path().join("no-such-article.txt");
    let path = missing.display().to_string();
    textclf(&["predict", "--model-dir", s(&models), s(&missing)])
        .code(5)
        .stderr_has(&format!("{path}: No such file or directory"));
    let out = textclf(&["predict", "--model-dir", s(&models), "--input", s(&missing)]);
    out.code(5)
        .stderr_has(&format!("{path}: No such file or directory"));
    // The cause is said once, not once by the error and again by its source.
    assert_eq!(
        out.stderr.matches("No such file").count(),
        1,
        "{}",
        out.stderr
    );
    let out = textclf(&["predict", "--model-dir", s(&missing), "x"]);
    out.code(4);
    assert_eq!(
        out.stderr.matches("no .model files").count() + out.stderr.matches("No such file").count(),
        1,
        "{}",
        out.stderr
    );
}

/// `predict --input` reads on its own thread, batches ahead of scoring: a stream that breaks
/// part-way still gives every record read before the break its line, in order, then the
/// error, and the process ends (the reader is not left waiting on a full channel).
#[test]
fn predict_on_a_truncated_gzip_scores_what_was_read_then_fails() {
    let tmp = TempDir::new().unwrap();
    let models = trained(&tmp);
    let mut plain = Vec::new();
    for i in 0..3000 {
        plain.extend_from_slice(
            format!("{{\"id\": \"d{i}\", \"text\": \"the team won match number {i}\"}}\n")
                .as_bytes(),
        );
    }
    let full = gzip(&plain);
    let data = write(&tmp, "cut.jsonl.gz", &full[..full.len() / 2]);
    let path = data.display().to_string();
    for batch in ["1", "7", "2048"] {
        let out = textclf(&[
            "predict",
            "--model-dir",
            s(&models),
            "--input",
            s(&data),
            "--format",
            "jsonl",
            "--batch-size",
            batch,
        ]);
        out.code(3).stderr_has(&format!(
            "{path}: gzip data is truncated or corrupt at line"
        ));
        let ids: Vec<String> = out
            .stdout
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
            .collect();
        let expected: Vec<String> = (0..ids.len()).map(|i| format!("\"d{i}\"")).collect();
        assert_eq!(ids, expected, "batch size {batch}");
        assert!(ids.len() > 1000, "batch size {batch}: {} lines", ids.len());
    }
}

#[test]
fn predict_on_empty_stdin_scores_an_empty_text() {
    let tmp = TempDir::new().unwrap();
    let models = trained(&tmp);
    // No terms: the prediction is the class prior (4 + 4 documents: a tie, the first label).
    let run = textclf(&["predict", "--model-dir", s(&models), "--format", "jsonl"]);
    run.code(0);
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(v["id"], "-");
    assert_eq!(v["topic"]["probability"], 0.5, "{v}");
}

#[test]
fn out_of_range_option_values_are_usage_errors_found_before_reading() {
    let tmp = TempDir::new().unwrap();
    // The corpus does not exist: each error must come before any attempt to read it.
    let missing = tmp.path().join("missing.csv");
    for (args, message) in [
        (
            &["--c", "0"][..],
            "invalid hyperparameter: svm C must be a finite number > 0, got 0",
        ),
        (
            &["--c", "1e300"],
            "invalid hyperparameter: svm C must be a finite number > 0, got inf",
        ),
        (
            &["--tol", "NaN"],
            "invalid hyperparameter: svm tolerance must be a finite number > 0, got NaN",
        ),
        (
            &["--max-iter", "0"],
            "invalid hyperparameter: svm max_iter must be at least 1",
        ),
        (
            &["--max-df", "1.5"],
            "--max-df '1.5': expected a document count",
        ),
        (
            &["--join", "other.csv"],
            "each --join FILE needs its own --on COLUMN (1 --join, 0 --on)",
        ),
    ] {
        // The default classifier (svm) reads every one of these options.
        let base = ["train", "--label", "topic", "--data", s(&missing)];
        textclf(&[&base[..], args].concat())
            .code(2)
            .stderr_has(message);
    }
    textclf(&["eval", "--data", s(&missing), "--folds", "1"])
        .code(2)
        .stderr_has("--folds must be at least 2, got 1");
    train(&tmp, &missing, &["--pair-col", "headline"])
        .code(2)
        .stderr_has("--classifier nb cannot fit a paired model (--pair-col)");
    // sgd needs some L2 strength; naive Bayes takes no smoothing at all.
    let nb_sgd = ["eval", "--data", s(&missing), "--classifier", "nb,sgd"];
    textclf(&[&nb_sgd[..], &["--alpha", "0"]].concat())
        .code(2)
        .stderr_has("invalid hyperparameter: sgd alpha must be a finite number > 0, got 0");
    let data = write(&tmp, "ok.csv", &csv_with(""));
    train(&tmp, &data, &["--alpha", "0"]).code(0);
    // Class weights need the labels, so they are checked after reading, still as usage.
    train(&tmp, &data, &["--class-weight", "weather=2"])
        .code(2)
        .stderr_has("--class-weight: no class named 'weather' (classes: politics, sport)");
}

#[test]
fn eval_report_paths_fail_before_the_work_or_not_at_all() {
    let tmp = TempDir::new().unwrap();
    let missing = tmp.path().join("missing.csv");
    textclf(&["eval", "--data", s(&missing), "--html", s(tmp.path())])
        .code(2)
        .stderr_has(&format!("--html {}: is a folder", tmp.path().display()));
    // A report in a folder not made yet gets its folder, as a model does.
    let data = write(&tmp, "ok.csv", &csv_with(""));
    let report = tmp.path().join("reports/new/eval.json");
    let eval = [
        "eval",
        "--data",
        s(&data),
        "--label",
        "topic",
        "--folds",
        "2",
    ];
    textclf(&[&eval[..], &["--min-df", "1", "--json", s(&report)]].concat()).code(0);
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("\"leaderboard\""));
    // A folder that cannot take the report is refused before the work too.
    let blocked = data.join("eval.json");
    let run = textclf(&[&eval[..], &["--min-df", "1", "--json", s(&blocked)]].concat());
    run.code(5).stderr_has(&format!(
        "--json {}: {} is not a folder",
        blocked.display(),
        data.display()
    ));
    assert!(run.stdout.is_empty(), "the evaluation ran: {}", run.stdout);
    // Two reports at one path: the second overwrote the first in silence.
    let md = tmp.path().join("r.out");
    let dotted = format!("{}/./r.out", tmp.path().display());
    textclf(&[&eval[..], &["--json", s(&md), "--markdown", &dotted]].concat())
        .code(2)
        .stderr_has(&format!(
            "--json and --markdown both name {dotted}: one report would overwrite the other"
        ));
    // A report that fails as it is written still leaves the terminal report behind.
    textclf(&[&eval[..], &["--min-df", "1", "--json", "/dev/full"]].concat())
        .code(5)
        .stderr_has("writing /dev/full: No space left on device")
        .stdout_has("2-fold cross-validation");
}

/// A report path that is a device or a symlink is written through, not replaced: a
/// temporary file renamed over it replaced `/dev/stdout`'s link or `/dev/full` itself with
/// a regular file when run as root (and failed for want of permission in `/dev` otherwise),
/// and replaced a symlink to a report with a copy.
#[test]
fn eval_reports_go_through_devices_and_symlinks() {
    let tmp = TempDir::new().unwrap();
    let data = write(&tmp, "ok.csv", &csv_with(""));
    let eval = ["eval", "--data", s(&data), "--folds", "2", "-q"];
    let eval = [&eval[..], &NB_TOPIC[..]].concat();
    // A FIFO stands for /dev/stdout on a pipe: the report must arrive through it.
    let fifo = tmp.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    textclf(&[&eval[..], &["--json", s(&fifo)]].concat()).code(0);
    // Checked first: a reader of a replaced FIFO would wait for a writer forever.
    assert!(
        fifo.metadata().unwrap().file_type().is_fifo(),
        "the FIFO was replaced"
    );
    assert!(reader.join().unwrap().contains("\"leaderboard\""));
    // A symlink to a report keeps pointing at it, and the report is new.
    let target = write(&tmp, "report.md", b"old");
    let link = tmp.path().join("link.md");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    textclf(&[&eval[..], &["--markdown", s(&link)]].concat()).code(0);
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .starts_with("# Evaluation report"));
}

#[test]
fn a_corpus_from_stdin_is_explained() {
    let tmp = TempDir::new().unwrap();
    let models = trained(&tmp);
    let stdin = "-: a corpus is read from a file, not from stdin";
    textclf(&["predict", "--model-dir", s(&models), "--input", "-"])
        .code(3)
        .stderr_has(stdin);
    train(&tmp, Path::new("-"), &[]).code(3).stderr_has(stdin);
}

#[test]
fn predict_names_a_broken_model_link() {
    let tmp = TempDir::new().unwrap();
    let models = trained(&tmp);
    let link = models.join("stance.model");
    std::os::unix::fs::symlink(tmp.path().join("gone.model"), &link).unwrap();
    // It was passed over, leaving only the other models (or "no .model files here").
    textclf_with_stdin(&["predict", "--model-dir", s(&models), "-"], b"the match")
        .code(4)
        .stderr_has(&format!("{}: No such file or directory", link.display()));
}

/// A model file copied to another task's name (`stance.model` holding the topic model) was
/// used in silence, its predictions labelled with the recorded task: beside the original,
/// two `topic` keys, one lost in JSON. The file's name labels them now, with a warning.
#[test]
fn a_model_named_for_another_task_is_labelled_by_its_file_and_warned_about() {
    let tmp = TempDir::new().unwrap();
    let models = trained(&tmp);
    let copy = models.join("stance.model");
    std::fs::copy(models.join("topic.model"), &copy).unwrap();
    let predict = |extra: &[&str]| {
        let args = ["predict", "--model-dir", s(&models), "--format", "jsonl"];
        textclf_with_stdin(&[&args[..], extra].concat(), b"the team won the match")
    };
    let warning = format!(
        "textclf: warning: {}: this model was trained for task 'topic'; its predictions are \
         labelled 'stance', after the file",
        copy.display()
    );
    let run = predict(&[]);
    run.code(0)
        .stdout_has("\"stance\":{\"label\":\"sport\"")
        .stdout_has("\"topic\":{\"label\":\"sport\"")
        .stderr_has(&warning);
    assert_eq!(run.stderr.matches("warning").count(), 1, "{}", run.stderr);
    predict(&["--task", "stance"])
        .code(0)
        .stdout_has("\"stance\":")
        .stderr_has(&warning);
    let quiet = predict(&["--task", "stance", "--quiet"]);
    assert_eq!(quiet.code(0).stderr, "");
}

/// `--task` twice wrote a task's CSV columns twice (its JSON key once); a model file named
/// `id.model` replaced every document's id in JSON output with its predictions.
#[test]
fn predict_refuses_task_names_that_would_merge_output_fields() {
    let tmp = TempDir::new().unwrap();
    let models = trained(&tmp);
    let predict = |extra: &[&str]| {
        let args = ["predict", "--model-dir", s(&models), "--format", "csv"];
        textclf_with_stdin(&[&args[..], extra].concat(), b"the team won the match")
    };
    predict(&["--task", "topic", "--task", "topic"])
        .code(2)
        .stderr_has("--task 'topic' is given twice");
    for field in ["id", "error"] {
        let renamed = models.join(format!("{field}.model"));
        std::fs::rename(models.join("topic.model"), &renamed).unwrap();
        predict(&[]).code(2).stderr_has(&format!(
            "{}: a model's file name labels its predictions, and '{field}' is a field of \
             every output row; rename the file",
            renamed.display()
        ));
        std::fs::rename(&renamed, models.join("topic.model")).unwrap();
    }
}

/// `train --label error` writes `error.model`, which `predict` refuses by name: training
/// says so up front, and still saves the model (`eval --model-dir` scores it).
#[test]
fn train_warns_of_a_label_named_after_an_output_field() {
    let tmp = TempDir::new().unwrap();
    let data = write(&tmp, "err.csv", format!("text,error\n{ROWS}").as_bytes());
    let models = tmp.path().join("models");
    let args = [
        "train",
        "--classifier",
        "nb",
        "--min-df",
        "1",
        "--label",
        "error",
    ];
    let paths = ["--data", s(&data), "--model-dir", s(&models)];
    textclf(&[&args[..], &paths].concat()).code(0).stderr_has(
        "warning: --label error: `predict` labels each model's predictions with its file \
         name, and 'error' is a field of every output row: rename error.model before \
         predicting with it (`eval --model-dir` scores it as it is)",
    );
    assert!(models.join("error.model").is_file());
    let quiet = textclf(&[&args[..], &paths, &["--quiet"]].concat());
    assert_eq!(quiet.code(0).stderr, "");
}

/// Runs `textclf args...` with stdout and stderr sent to the given files (e.g. `/dev/full`),
/// stdin empty; returns the exit code and the stderr when it was captured.
fn textclf_into(args: &[&str], stdout: std::process::Stdio, stderr: std::process::Stdio) -> Run {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("textclf"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().expect("killed by a signal"),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_ne!(
        run.code, 101,
        "exit code 101 is a Rust panic: {}",
        run.stderr
    );
    run
}

/// `/dev/full` opened for writing: every write to it fails with "No space left on device".
fn dev_full() -> std::process::Stdio {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap()
        .into()
}

/// Output that cannot be written is an I/O error naming stdout (exit 5) in every format:
/// the CSV and JSON writers wrap the system's error, which made it a data error (exit 3),
/// and `--format csv | head -1` printed `error: Broken pipe` and exited 3 where the other
/// formats end quietly. An error that cannot be printed (stderr full) exited 101, a panic.
#[test]
fn output_that_cannot_be_written_is_an_io_error_and_a_closed_pipe_is_not() {
    let tmp = TempDir::new().unwrap();
    let models = trained(&tmp);
    let rows: String = (0..20_000)
        .map(|i| format!("{{\"id\":\"d{i}\",\"text\":\"the team won the match\"}}\n"))
        .collect();
    let input = write(&tmp, "many.jsonl", rows.as_bytes());
    let predict = |format| {
        let args = ["predict", "--model-dir", s(&models), "--input", s(&input)];
        [&args[..], &["--format", format]].concat()
    };
    for format in ["text", "json", "jsonl", "csv"] {
        let args = predict(format);
        textclf_into(&args, dev_full(), std::process::Stdio::piped())
            .code(5)
            .stderr_has("error: writing to stdout: No space left on device");
        // A reader that stops after the first line, as `head -1` does.
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("textclf"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            (out.status.code(), stderr.as_ref()),
            (Some(0), ""),
            "{format}"
        );
    }
    let missing = tmp.path().join("no-models");
    let args = ["predict", "--model-dir", s(&missing), "-"];
    textclf_into(&args, std::process::Stdio::null(), dev_full()).code(4);
    // Help and the version, printed by clap, were lost in silence with exit code 0.
    for args in [&["--help"][..], &["predict", "--help"], &["--version"]] {
        textclf_into(args, dev_full(), std::process::Stdio::piped())
            .code(5)
            .stderr_has("error: writing to stdout: No space left on device");
    }
    textclf_into(
        &["predict", "--nope"],
        std::process::Stdio::null(),
        dev_full(),
    )
    .code(2);
}

/// A label name becomes a file name: `--label .` wrote the hidden `..model` and failed
/// to write its training record at `DIR/..`; a label given twice, apart, was trained and
/// saved twice, and in `eval` any repeated label or classifier ran and was reported twice.
#[test]
fn label_names_are_checked_as_file_names_and_each_label_and_classifier_runs_once() {
    let tmp = TempDir::new().unwrap();
    let rows: String = ROWS
        .lines()
        .enumerate()
        .map(|(i, r)| format!("{r},{}\n", ["odd", "even"][i % 2]))
        .collect();
    let data = write(
        &tmp,
        "two.csv",
        format!("text,topic,parity\n{rows}").as_bytes(),
    );
    for bad in [".", ".."] {
        train(&tmp, &data, &["--label", bad])
            .code(2)
            .stderr_has(&format!("--label '{bad}': label names become file names"));
    }
    train(&tmp, &data, &["--label", "parity", "--label", "topic"])
        .code(0)
        .stdout_has("saved 2 model(s)");
    // eval kept every repeat: the task, or the classifier, ran and was reported twice.
    let report = tmp.path().join("eval.json");
    let eval = [
        "eval",
        "--data",
        s(&data),
        "--folds",
        "2",
        "-q",
        "--json",
        s(&report),
    ];
    let eval = [&eval[..], &NB_TOPIC[..]].concat();
    textclf(&[&eval[..], &["--label", "parity", "--label", "topic"]].concat()).code(0);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let tasks: Vec<&str> = json["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["task"].as_str().unwrap())
        .collect();
    assert_eq!(tasks, ["topic", "parity"]);
    let classifiers = ["eval", "--data", s(&data), "--label", "topic"];
    textclf(&[&classifiers[..], &["--classifier", "nb,cnb,nb"]].concat())
        .code(2)
        .stderr_has("--classifier nb,cnb,nb: nb is listed twice");
}

/// Folds that cannot be made name the corpus and the column: the message was only
/// `cannot split 1 groups into k = 2 folds: ...`.
#[test]
fn folds_that_cannot_be_made_name_the_corpus_and_the_group_column() {
    let tmp = TempDir::new().unwrap();
    let rows: String = ROWS.lines().map(|r| format!("{r},same\n")).collect();
    let data = write(
        &tmp,
        "one-group.csv",
        format!("text,topic,g\n{rows}").as_bytes(),
    );
    let eval = ["eval", "--data", s(&data), "-q"];
    let eval = [&eval[..], &NB_TOPIC[..]].concat();
    textclf(&[&eval[..], &["--folds", "2", "--group-col", "g"]].concat())
        .code(3)
        .stderr_has(&format!(
            "{}: --group-col 'g': cannot split 1 groups into k = 2 folds",
            data.display()
        ));
    textclf(&[&eval[..], &["--folds", "9"]].concat())
        .code(3)
        .stderr_has(&format!("{}: task 'topic': cannot split 8", data.display()));
}

#[test]
fn predict_top_k_zero_is_a_usage_error() {
    let tmp = TempDir::new().unwrap();
    let models = trained(&tmp);
    textclf_with_stdin(
        &["predict", "--model-dir", s(&models), "--top-k", "0"],
        b"the goal",
    )
    .code(2)
    .stderr_has("--top-k must be at least 1");
}

#[test]
fn a_label_read_as_text_a_doubled_text_column_and_an_unusable_model_folder_are_refused_before_reading(
) {
    let tmp = TempDir::new().unwrap();
    // The corpus does not exist: each error must come before any attempt to read it.
    let missing = tmp.path().join("missing.csv");
    train(&tmp, &missing, &["--text-col", "title,topic"])
        .code(2)
        .stderr_has("--label 'topic' is also a --text-col: the model would read its own answer");
    train(&tmp, &missing, &["--text-col", "text,title,text"])
        .code(2)
        .stderr_has("--text-col 'text' is given twice: its text would count double");
    let file = write(&tmp, "not-a-folder", b"a file");
    let args = [
        "train",
        "--label",
        "topic",
        "--data",
        s(&missing),
        "--model-dir",
        s(&file),
    ];
    textclf(&args).code(5).stderr_has(&format!(
        "--model-dir {0}: {0} is not a folder",
        file.display()
    ));
    assert_eq!(std::fs::read(&file).unwrap(), b"a file");
}
