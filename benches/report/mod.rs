//! How the benches that compare strand with another broker report: each figure
//! as the median and range of its repetitions, in one table with a column per
//! broker and the ratio of the medians. Each bench uses a part of it, hence no
//! dead-code warnings for the rest.
#![allow(dead_code)]

/// One repetition on strand and, when there is one, on the other broker. Who goes
/// first alternates, so neither always runs on the other's leftovers.
pub fn side_by_side<S>(
    run: usize,
    ours: &mut S,
    theirs: Option<&mut S>,
    strand: impl Fn(&mut S),
    other: impl Fn(&mut S),
) {
    match theirs {
        Some(series) if run.is_multiple_of(2) => {
            strand(ours);
            other(series);
        }
        Some(series) => {
            other(series);
            strand(ours);
        }
        None => strand(ours),
    }
}

/// Median and range of repeated measurements.
pub struct Stat {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

impl Stat {
    pub fn of(values: &[f64]) -> Stat {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Stat { median: sorted[sorted.len() / 2], min: sorted[0], max: sorted[sorted.len() - 1], n: sorted.len() }
    }
}

#[derive(Clone, Copy)]
pub enum Unit {
    Count,
    Plain(usize),
    Ms(usize),
    MiB,
}

impl Unit {
    pub fn show(self, v: f64) -> String {
        match self {
            Unit::Count if v >= 1e6 => format!("{:.2}M", v / 1e6),
            Unit::Count => format!("{:.0}k", v / 1e3),
            Unit::Plain(decimals) => format!("{v:.decimals$}"),
            // A JVM broker starts in seconds.
            Unit::Ms(_) if v >= 1000.0 => format!("{:.2} s", v / 1000.0),
            Unit::Ms(decimals) => format!("{v:.decimals$} ms"),
            Unit::MiB => mib(v as u64),
        }
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// One table cell: one or more figures (e.g. VmRSS / RssAnon), each a median and range.
pub struct Cell {
    pub parts: Vec<Stat>,
    pub unit: Unit,
}

impl Cell {
    pub fn one(values: &[f64], unit: Unit) -> Cell {
        Cell { parts: vec![Stat::of(values)], unit }
    }

    pub fn pair(first: &[f64], second: &[f64], unit: Unit) -> Cell {
        Cell { parts: vec![Stat::of(first), Stat::of(second)], unit }
    }

    pub fn show(&self) -> String {
        let show = |s: &Stat| {
            let v = |x| self.unit.show(x);
            if s.n == 1 {
                v(s.median)
            } else {
                format!("{} ({} - {})", v(s.median), v(s.min), v(s.max))
            }
        };
        self.parts.iter().map(show).collect::<Vec<_>>().join(" / ")
    }

    /// The other broker's medians over this one's, figure by figure.
    pub fn ratio(&self, other: &Cell) -> String {
        let ratio = |(ours, theirs): (&Stat, &Stat)| {
            if ours.median > 0.0 {
                format!("{:.2}x", theirs.median / ours.median)
            } else {
                "-".to_owned()
            }
        };
        self.parts.iter().zip(&other.parts).map(ratio).collect::<Vec<_>>().join(" / ")
    }
}

pub struct Table {
    /// The label of the broker measured beside strand, if any.
    pub other: Option<String>,
    pub rows: Vec<[String; 5]>,
}

impl Table {
    pub fn row(&mut self, what: &str, ours: Option<Cell>, theirs: Option<Cell>, target: &str) {
        let show = |c: &Option<Cell>| c.as_ref().map_or_else(String::new, Cell::show);
        let ratio = match (&ours, &theirs) {
            (Some(ours), Some(theirs)) => ours.ratio(theirs),
            _ => String::new(),
        };
        let row = [what.to_owned(), show(&ours), show(&theirs), ratio, target.to_owned()];
        if self.other.is_some() {
            println!("{}", row.join(" | "));
        } else {
            println!("{} | {} | {}", row[0], row[1], row[4]);
        }
        self.rows.push(row);
    }

    pub fn print(&self) {
        match &self.other {
            None => {
                println!("\n| measurement | strand: median (min - max) | target |\n|---|---|---|");
                for [what, ours, _, _, target] in &self.rows {
                    println!("| {what} | {ours} | {target} |");
                }
            }
            Some(other) => {
                println!(
                    "\n| measurement | strand: median (min - max) | {other}: median (min - max) | {other} / strand | strand target |\n|---|---|---|---|---|"
                );
                for row in &self.rows {
                    println!("| {} |", row.join(" | "));
                }
            }
        }
    }
}
