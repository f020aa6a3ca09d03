//! Hyperparameter grids for `eval`: options listing several comma-separated values, and
//! every combination of them, each named by the values it picks (`C=0.1 ngrams=1-2`), as
//! scikit-learn's `ParameterGrid` enumerates a `GridSearchCV` grid.

use super::UsageError;
use anyhow::{bail, Result};
use std::fmt::Display;

/// An option an `eval` grid may list several values of.
pub(super) struct GridOption<A> {
    /// The command-line flag, for messages.
    flag: &'static str,
    /// Its name in run names (scikit-learn's where it has one: `C`, `min_df`).
    name: &'static str,
    /// The values listed, as run names show them.
    values: Vec<String>,
    /// Narrows the arguments to the option's i-th value.
    pick: fn(&mut A, usize),
}

impl<A> GridOption<A> {
    /// The option `flag` listing `values`; unless the classifier `reads` it, only the first
    /// is kept (kept rather than dropped so the run's settings still record it), so a value
    /// it ignores does not repeat its run.
    pub(super) fn new<V: Display>(
        flag: &'static str,
        name: &'static str,
        values: &[V],
        reads: bool,
        pick: fn(&mut A, usize),
    ) -> Self {
        let shown = values.iter().take(if reads { usize::MAX } else { 1 });
        GridOption {
            flag,
            name,
            values: shown.map(ToString::to_string).collect(),
            pick,
        }
    }

    /// Whether several values are listed: only then does the option name runs.
    pub(super) fn is_list(&self) -> bool {
        self.values.len() > 1
    }

    /// The flag and its values as a command line gives them (`--c 0.1,1`), for messages;
    /// the flag repeated when a value holds a comma of its own (`--class-weight balanced
    /// --class-weight pos=2,neg=1`).
    pub(super) fn describe(&self) -> String {
        if self.values.iter().any(|v| v.contains(',')) {
            let flags: Vec<String> = self.values.iter().map(|v| self.flag_with(v)).collect();
            flags.join(" ")
        } else {
            self.flag_with(&self.values.join(","))
        }
    }

    /// The flag given `value`, quoted for a shell if need be.
    fn flag_with(&self, value: &str) -> String {
        format!("{} {}", self.flag, shell_word(value))
    }
}

/// One combination of the values an `eval` grid lists: the arguments narrowed to one value
/// per option, and what tells its runs apart.
#[derive(Debug, Clone)]
pub struct GridPoint<A> {
    /// The arguments, each listed option narrowed to this point's value.
    pub args: A,
    /// The values picked from options listing several (`C=0.1`, `ngrams=1-2`, ...), so a
    /// run without a grid keeps its plain name.
    pub picks: Vec<Pick>,
}

/// The value a [`GridPoint`] picks from an option listing several.
#[derive(Debug, Clone)]
pub struct Pick {
    flag: &'static str,
    name: &'static str,
    value: String,
}

impl Pick {
    /// As run names show it: `C=0.1`.
    pub fn label(&self) -> String {
        format!("{}={}", self.name, self.value)
    }

    /// As `train` takes it on a shell's command line: `--c 0.1`, `--stop-words 'my words.txt'`.
    pub fn flag(&self) -> String {
        format!("{} {}", self.flag, shell_word(&self.value))
    }
}

/// `value` as one shell word: as it is when it holds only characters no shell treats
/// specially, else in single quotes (a quote inside written `'\''`), so a label or file
/// name with a space can be pasted as printed.
fn shell_word(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.,=+:/@%".contains(c);
    if !value.is_empty() && value.chars().all(plain) {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// Every combination of one value per option, the first option varying slowest (as nested
/// loops over the options in order); an option given no value keeps its default.
pub(super) fn combinations<A: Clone>(base: &A, options: &[GridOption<A>]) -> Vec<GridPoint<A>> {
    let mut points = vec![GridPoint {
        args: base.clone(),
        picks: Vec::new(),
    }];
    for o in options.iter().filter(|o| !o.values.is_empty()) {
        points = points
            .into_iter()
            .flat_map(|p| {
                (0..o.values.len()).map(move |i| {
                    let mut q = p.clone();
                    (o.pick)(&mut q.args, i);
                    if o.is_list() {
                        q.picks.push(Pick {
                            flag: o.flag,
                            name: o.name,
                            value: o.values[i].clone(),
                        });
                    }
                    q
                })
            })
            .collect();
    }
    points
}

/// Refuses a value listed twice, however spelled (`--ngrams 1-2,01-2`): its runs would
/// have the same settings and repeat the same work. Values compare as `parse` reads `base`
/// narrowed to each, and its error (naming a bad value) is returned as is.
pub(super) fn refuse_repeats<A: Clone, K: PartialEq>(
    base: &A,
    options: &[GridOption<A>],
    parse: impl Fn(&A) -> Result<K>,
) -> Result<()> {
    for o in options.iter().filter(|o| o.is_list()) {
        let parsed = (0..o.values.len())
            .map(|i| {
                let mut args = base.clone();
                (o.pick)(&mut args, i);
                parse(&args)
            })
            .collect::<Result<Vec<K>>>()?;
        let repeat = (1..parsed.len())
            .find_map(|j| (0..j).find(|&i| parsed[i] == parsed[j]).map(|i| (i, j)));
        if let Some((i, j)) = repeat {
            let (first, again) = (&o.values[i], &o.values[j]);
            let (first, again) = (shell_word(first), shell_word(again));
            let what = if first == again {
                format!("{first} is listed twice")
            } else {
                format!("{again} is {first} again, listed twice")
            };
            bail!(UsageError(format!("{}: {what}", o.describe())));
        }
    }
    Ok(())
}

/// Refuses a list of values in a command that fits one model (`train`), naming `eval`.
pub(super) fn refuse_lists<A>(options: &[GridOption<A>]) -> Result<()> {
    match options.iter().find(|o| o.is_list()) {
        Some(o) => bail!(UsageError(format!(
            "{0}: train fits one model, so it takes one value; to compare values on the same \
             folds, use `textclf eval ... {0}`",
            o.describe()
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two options of a toy argument group.
    #[derive(Debug, Clone, PartialEq)]
    struct Toy {
        a: Vec<u32>,
        b: Vec<u32>,
    }

    fn options(toy: &Toy, b_read: bool) -> [GridOption<Toy>; 2] {
        [
            GridOption::new("--a", "A", &toy.a, true, |t, i| t.a = vec![t.a[i]]),
            GridOption::new("--b", "b", &toy.b, b_read, |t, i| t.b = vec![t.b[i]]),
        ]
    }

    fn names(points: &[GridPoint<Toy>]) -> Vec<String> {
        let label = |p: &GridPoint<Toy>| p.picks.iter().map(Pick::label).collect::<Vec<_>>();
        points.iter().map(|p| label(p).join(" ")).collect()
    }

    #[test]
    fn combinations_nest_in_option_order_and_name_only_lists() {
        let toy = Toy {
            a: vec![1, 2],
            b: vec![7, 8, 9],
        };
        let points = combinations(&toy, &options(&toy, true));
        assert_eq!(
            names(&points),
            ["A=1 b=7", "A=1 b=8", "A=1 b=9", "A=2 b=7", "A=2 b=8", "A=2 b=9"]
        );
        assert_eq!(
            points[4].args,
            Toy {
                a: vec![2],
                b: vec![8]
            }
        );
        // One value names nothing; no value leaves the option alone.
        let toy = Toy {
            a: vec![5],
            b: vec![],
        };
        let points = combinations(&toy, &options(&toy, true));
        assert_eq!(names(&points), [""]);
        assert_eq!(points[0].args, toy);
    }

    #[test]
    fn an_option_not_read_keeps_its_first_value_and_one_run() {
        let toy = Toy {
            a: vec![1, 2],
            b: vec![7, 8],
        };
        let points = combinations(&toy, &options(&toy, false));
        assert_eq!(names(&points), ["A=1", "A=2"]);
        assert_eq!(
            points[1].args,
            Toy {
                a: vec![2],
                b: vec![7]
            }
        );
    }

    #[test]
    fn repeats_and_lists_are_refused_naming_the_values() {
        let toy = Toy {
            a: vec![1, 2, 1],
            b: vec![3],
        };
        let same = |t: &Toy| Ok(t.clone());
        let err = refuse_repeats(&toy, &options(&toy, true), same).unwrap_err();
        assert_eq!(err.to_string(), "--a 1,2,1: 1 is listed twice");
        let err = refuse_lists(&options(&toy, true)).unwrap_err().to_string();
        assert!(err.starts_with("--a 1,2,1: train fits one model"), "{err}");
        assert!(err.contains("`textclf eval ... --a 1,2,1`"), "{err}");
        let one = Toy {
            a: vec![1],
            b: vec![],
        };
        refuse_lists(&options(&one, true)).unwrap();
        refuse_repeats(&one, &options(&one, true), same).unwrap();
    }

    #[test]
    fn repeats_compare_parsed_values_and_parse_errors_pass_through() {
        let toy = Toy {
            a: vec![3, 13],
            b: vec![],
        };
        // Read modulo 10, 13 is 3 spelled differently.
        let modulo = |t: &Toy| Ok(t.a[0] % 10);
        let err = refuse_repeats(&toy, &options(&toy, true), modulo).unwrap_err();
        assert_eq!(err.to_string(), "--a 3,13: 13 is 3 again, listed twice");
        let refuse_13 = |t: &Toy| match t.a[0] {
            13 => bail!("13 is unlucky"),
            a => Ok(a),
        };
        let err = refuse_repeats(&toy, &options(&toy, true), refuse_13).unwrap_err();
        assert_eq!(err.to_string(), "13 is unlucky");
    }

    #[test]
    fn a_value_with_a_comma_is_described_as_a_repeated_flag() {
        let weights = [String::from("balanced"), String::from("a=2,b=1")];
        let o = GridOption::<Toy>::new("--w", "w", &weights, true, |_, _| {});
        assert_eq!(o.describe(), "--w balanced --w a=2,b=1");
        let o = GridOption::<Toy>::new("--w", "w", &weights[..1], true, |_, _| {});
        assert_eq!(o.describe(), "--w balanced");
    }

    #[test]
    fn flags_are_quoted_only_when_a_shell_would_split_or_expand_them() {
        let pick = |value: &str| Pick {
            flag: "--x",
            name: "x",
            value: value.to_string(),
        };
        assert_eq!(pick("1-2").flag(), "--x 1-2");
        assert_eq!(pick("pos=2,neg=0.5").flag(), "--x pos=2,neg=0.5");
        assert_eq!(pick("my words.txt").flag(), "--x 'my words.txt'");
        assert_eq!(pick("it's").flag(), r"--x 'it'\''s'");
        assert_eq!(pick("$HOME").label(), "x=$HOME");
        assert_eq!(pick("$HOME").flag(), "--x '$HOME'");
    }
}
