//! Finding runs in a long history: a typed filter (free words and metric comparisons such as
//! `acc > 0.9`), a sort by any column, and grouping by comparison. Plain functions over the
//! scanned entries, so the window can compute a listing once per change instead of per frame.
use super::RunEntry;
use crate::compare::Comparison;
use crate::error::{refused, RunsError};
use crate::RunStatus;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// What the filter box accepts, on screen and in the README.
pub const FILTER_HELP: &str = "Words match the name, id, preset, tags, status (finished, stopped, failed, diverged, interrupted, damaged), variant and comparison; every word must match.\n\
Comparisons: FIELD OP NUMBER with OP one of < <= > >= = !=\n\
  val (or acc): best validation accuracy — 0.9, 90 or 90%\n\
  test: test accuracy — test >= 98\n\
  time: training seconds — time < 60, time < 2m, time > 1h\n\
  params: parameters — params < 1e5, params < 100k, params > 1M\n\
  epochs: epochs completed — epochs >= 10\n\
Runs without the number (no test accuracy yet…) do not match a comparison.";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    #[default]
    Date,
    Name,
    BestVal,
    Test,
    Time,
    Params,
}

impl SortKey {
    /// The first direction a click on the column gives: best, newest and largest first; names
    /// A to Z, time and parameters smallest first.
    pub fn descending_first(self) -> bool {
        matches!(self, SortKey::Date | SortKey::BestVal | SortKey::Test)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for Sort {
    /// Newest first.
    fn default() -> Sort {
        Sort {
            key: SortKey::Date,
            descending: true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Val,
    Test,
    Time,
    Params,
    Epochs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// Lowercase; matched as a substring.
    Text(String),
    Metric {
        field: Field,
        op: Op,
        value: f64,
    },
}

/// A parsed filter: every term must match.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Query {
    pub terms: Vec<Term>,
}

fn is_op_char(c: char) -> bool {
    matches!(c, '<' | '>' | '=' | '!')
}

/// Words, with "acc > 0.9" joined into one "acc>0.9".
fn tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut join_next = false;
    for w in text.split_whitespace() {
        match out.last_mut() {
            Some(last) if join_next || w.starts_with(is_op_char) => last.push_str(w),
            _ => out.push(w.to_string()),
        }
        join_next = w.ends_with(is_op_char);
    }
    out
}

fn field(name: &str) -> Option<Field> {
    Some(match name {
        "val" | "acc" | "accuracy" | "best" | "val_acc" => Field::Val,
        "test" | "test_acc" => Field::Test,
        "time" | "secs" | "duration" => Field::Time,
        "params" | "parameters" => Field::Params,
        "epochs" | "epoch" => Field::Epochs,
        _ => return None,
    })
}

fn op(text: &str) -> Option<Op> {
    Some(match text {
        "<" => Op::Lt,
        "<=" => Op::Le,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        "=" | "==" => Op::Eq,
        "!=" => Op::Ne,
        _ => return None,
    })
}

/// A number with the field's units: accuracies as fractions (values above 1 or with % are
/// percent), time in seconds (or m, min, h), parameters with k, M or G.
fn value(field: Field, text: &str) -> Option<f64> {
    let t = text.trim().to_ascii_lowercase();
    let (num, scale) = match field {
        Field::Val | Field::Test => match t.strip_suffix('%') {
            Some(n) => (n.to_string(), Some(0.01)),
            None => (t, None),
        },
        Field::Time => [("min", 60.0), ("h", 3600.0), ("m", 60.0), ("s", 1.0)]
            .iter()
            .find_map(|(s, f)| t.strip_suffix(s).map(|n| (n.to_string(), Some(*f))))
            .unwrap_or((t, None)),
        Field::Params => [("k", 1e3), ("m", 1e6), ("g", 1e9)]
            .iter()
            .find_map(|(s, f)| t.strip_suffix(s).map(|n| (n.to_string(), Some(*f))))
            .unwrap_or((t, None)),
        Field::Epochs => (t, None),
    };
    let v: f64 = num.trim().parse().ok().filter(|v: &f64| v.is_finite())?;
    Some(match (field, scale) {
        (_, Some(f)) => v * f,
        (Field::Val | Field::Test, None) if v > 1.0 => v / 100.0,
        _ => v,
    })
}

impl Query {
    /// Parses the filter box. A comparison on a known field with a bad operator or number is
    /// an error naming it; `word=value` on any other word is plain text ("lr=0.01").
    pub fn parse(text: &str) -> Result<Query, RunsError> {
        let mut terms = Vec::new();
        for token in tokens(text) {
            let lower = token.to_lowercase();
            let Some(at) = lower.find(is_op_char) else {
                terms.push(Term::Text(lower));
                continue;
            };
            let name = &lower[..at];
            let rest = &lower[at..];
            let op_len = rest.find(|c: char| !is_op_char(c)).unwrap_or(rest.len());
            let Some(f) = field(name) else {
                if name.is_empty() {
                    return Err(refused(format!(
                        "\"{token}\" needs a field before the comparison: val, test, time, params or epochs"
                    )));
                }
                terms.push(Term::Text(lower));
                continue;
            };
            let o = op(&rest[..op_len]).ok_or_else(|| {
                refused(format!(
                    "\"{token}\": unknown comparison \"{}\" — use <, <=, >, >=, = or !=",
                    &rest[..op_len]
                ))
            })?;
            let v = value(f, &rest[op_len..]).ok_or_else(|| {
                refused(format!(
                    "\"{token}\": \"{}\" is not a number",
                    &rest[op_len..]
                ))
            })?;
            terms.push(Term::Metric {
                field: f,
                op: o,
                value: v,
            });
        }
        Ok(Query { terms })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether every term is text (then a comparison's own name can match it).
    fn text_only(&self) -> bool {
        self.terms.iter().all(|t| matches!(t, Term::Text(_)))
    }

    pub fn matches(&self, e: &RunEntry) -> bool {
        self.terms.iter().all(|t| match t {
            Term::Text(w) => text_matches(e, w),
            Term::Metric { field, op, value } => {
                metric(e, *field).is_some_and(|v| compare(v, *op, *value, tolerance(*field)))
            }
        })
    }
}

/// A word for the run's status, as the filter matches it.
pub fn status_word(s: &RunStatus) -> &'static str {
    match s {
        RunStatus::Starting => "starting",
        RunStatus::Running => "running",
        RunStatus::Paused => "paused",
        RunStatus::Finished { stopped: true, .. } => "stopped",
        RunStatus::Finished { .. } => "finished",
        RunStatus::Diverged { .. } => "diverged",
        RunStatus::Failed { .. } => "failed",
        RunStatus::Interrupted => "interrupted",
        RunStatus::Damaged { .. } => "damaged",
    }
}

/// Whether `hay` contains `needle` (lowercase), ignoring case; no allocation for ASCII, as
/// this runs over every entry at each keystroke.
fn contains_ci(hay: &str, needle: &str) -> bool {
    if needle.is_ascii() {
        hay.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    } else {
        hay.to_lowercase().contains(needle)
    }
}

/// A free word: in the name, id, preset, status, variant, comparison or a tag.
fn text_matches(e: &RunEntry, word: &str) -> bool {
    let m = &e.meta;
    [
        m.name.as_str(),
        e.id.as_str(),
        e.preset_name.as_str(),
        status_word(&e.status),
        m.variant.as_deref().unwrap_or(""),
        m.comparison.as_deref().unwrap_or(""),
    ]
    .into_iter()
    .chain(m.tags.iter().map(String::as_str))
    .any(|field| contains_ci(field, word))
}

fn metric(e: &RunEntry, f: Field) -> Option<f64> {
    match f {
        Field::Val => e.best_val_accuracy.map(f64::from),
        Field::Test => e.test_accuracy().map(f64::from),
        Field::Time => e.duration_secs,
        Field::Params => e.params.map(|p| p as f64),
        Field::Epochs => Some(e.epochs as f64),
    }
    .filter(|v| v.is_finite())
}

/// How close counts as equal: accuracies are stored as f32 and shown to 0.01%.
fn tolerance(f: Field) -> f64 {
    match f {
        Field::Val | Field::Test => 5e-5,
        Field::Time => 0.5,
        Field::Params | Field::Epochs => 0.5,
    }
}

fn compare(v: f64, op: Op, target: f64, tol: f64) -> bool {
    match op {
        Op::Lt => v < target,
        Op::Le => v <= target + tol,
        Op::Gt => v > target,
        Op::Ge => v >= target - tol,
        Op::Eq => (v - target).abs() <= tol,
        Op::Ne => (v - target).abs() > tol,
    }
}

/// Missing values last, whatever the direction.
fn by_option(a: Option<f64>, b: Option<f64>, descending: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => {
            let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
            if descending {
                o.reverse()
            } else {
                o
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn sort_value(e: &RunEntry, key: SortKey) -> Option<f64> {
    match key {
        SortKey::BestVal => metric(e, Field::Val),
        SortKey::Test => metric(e, Field::Test),
        SortKey::Time => metric(e, Field::Time),
        SortKey::Params => metric(e, Field::Params),
        SortKey::Date | SortKey::Name => None,
    }
}

/// The indices of the entries that match, in the sort's order (ties: newest first).
pub fn select(entries: &[RunEntry], query: &Query, sort: Sort) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..entries.len())
        .filter(|&i| query.matches(&entries[i]))
        .collect();
    let newest =
        |a: &RunEntry, b: &RunEntry| (&b.meta.created, &b.id).cmp(&(&a.meta.created, &a.id));
    match sort.key {
        SortKey::Date => idx.sort_by(|&a, &b| {
            let o = newest(&entries[a], &entries[b]);
            if sort.descending {
                o
            } else {
                o.reverse()
            }
        }),
        SortKey::Name => {
            let mut named: Vec<(String, usize)> = idx
                .iter()
                .map(|&i| (entries[i].display_name().to_lowercase(), i))
                .collect();
            named.sort_by(|(na, a), (nb, b)| {
                let o = na.cmp(nb);
                let o = if sort.descending { o.reverse() } else { o };
                o.then_with(|| newest(&entries[*a], &entries[*b]))
            });
            idx = named.into_iter().map(|(_, i)| i).collect();
        }
        key => idx.sort_by(|&a, &b| {
            by_option(
                sort_value(&entries[a], key),
                sort_value(&entries[b], key),
                sort.descending,
            )
            .then_with(|| newest(&entries[a], &entries[b]))
        }),
    }
    idx
}

/// One row of the history list.
#[derive(Clone, Debug, PartialEq)]
pub enum Row {
    /// A comparison (index into the comparisons list, or its id when it has no manifest):
    /// how many of its runs match, of how many.
    Group {
        comparison: GroupOf,
        matching: usize,
        total: usize,
    },
    /// A run (index into the entries).
    Run(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub enum GroupOf {
    /// Listed under `comparisons/`.
    Listed(usize),
    /// Named by runs, but its manifest is gone.
    Missing(String),
}

/// What the history shows for a filter, a sort and the grouping.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Listing {
    pub rows: Vec<Row>,
    /// Runs that match the filter.
    pub matching: usize,
    /// A filter that could not be read (then nothing is filtered).
    pub error: Option<String>,
}

/// The rows for the filter text: with `group`, each comparison's runs under one row, placed
/// where its first run would be, shown only when the comparison's id is in `expanded`.
pub fn listing(
    entries: &[RunEntry],
    comparisons: &[(String, Result<Comparison, RunsError>)],
    filter: &str,
    sort: Sort,
    group: bool,
    expanded: &HashSet<String>,
) -> Listing {
    let (query, error) = match Query::parse(filter) {
        Ok(q) => (q, None),
        Err(e) => (Query::default(), Some(e.to_string())),
    };
    let order = select(entries, &query, sort);
    let matching = order.len();
    if !group {
        return Listing {
            rows: order.into_iter().map(Row::Run).collect(),
            matching,
            error,
        };
    }
    let index: HashMap<&str, usize> = comparisons
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect();
    let mut totals: HashMap<&str, usize> = HashMap::new();
    for e in entries {
        if let Some(c) = e.meta.comparison.as_deref() {
            *totals.entry(c).or_default() += 1;
        }
    }
    let mut members: HashMap<&str, Vec<usize>> = HashMap::new();
    for &i in &order {
        if let Some(c) = entries[i].meta.comparison.as_deref() {
            members.entry(c).or_default().push(i);
        }
    }
    let group_row = |id: &str, matching: usize| Row::Group {
        comparison: index
            .get(id)
            .map_or_else(|| GroupOf::Missing(id.to_string()), |&i| GroupOf::Listed(i)),
        matching,
        total: totals.get(id).copied().unwrap_or(0),
    };
    let mut rows = Vec::new();
    let mut placed: HashSet<&str> = HashSet::new();
    for &i in &order {
        match entries[i].meta.comparison.as_deref() {
            None => rows.push(Row::Run(i)),
            Some(c) if placed.insert(c) => {
                let runs = members.get(c).map(Vec::as_slice).unwrap_or_default();
                rows.push(group_row(c, runs.len()));
                if expanded.contains(c) {
                    rows.extend(runs.iter().map(|&r| Row::Run(r)));
                }
            }
            Some(_) => {}
        }
    }
    // Comparisons none of whose runs match (or that have no run folders): listed after the
    // runs when nothing is filtered or their name matches every word.
    for (id, c) in comparisons {
        if placed.contains(id.as_str()) {
            continue;
        }
        let name = c
            .as_ref()
            .map_or(id.as_str(), |c| c.name.as_str())
            .to_lowercase();
        let shown = query.is_empty()
            || (query.text_only()
                && query.terms.iter().all(|t| match t {
                    Term::Text(w) => name.contains(w.as_str()) || id.contains(w.as_str()),
                    Term::Metric { .. } => false,
                }));
        if shown {
            rows.push(group_row(id, 0));
        }
    }
    Listing {
        rows,
        matching,
        error,
    }
}
