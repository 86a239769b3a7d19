//! Dates at the precision the sources give: a day, a month or a year.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A calendar date known to a day, a month or only a year.
///
/// The series' sources often give only "November 2018" or "2020"; padding those to a first of
/// the month would invent a fact, so the precision is part of the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartialDate {
    year: u16,
    month: Option<u8>,
    day: Option<u8>,
}

/// How precisely a [`PartialDate`] is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    Year,
    Month,
    Day,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)")]
pub struct DateError(pub String);

impl PartialDate {
    pub fn year(&self) -> u16 {
        self.year
    }

    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (None, _) => Precision::Year,
            (Some(_), None) => Precision::Month,
            (Some(_), Some(_)) => Precision::Day,
        }
    }

    /// A number that orders dates chronologically; unknown parts count as zero, so "2018"
    /// sorts before "2018-11", which sorts before "2018-11-10".
    pub fn sort_key(&self) -> u32 {
        u32::from(self.year) * 10_000
            + u32::from(self.month.unwrap_or(0)) * 100
            + u32::from(self.day.unwrap_or(0))
    }

    /// The first day the date can stand for ("2018-11" → 2018-11-01), as `YYYYMMDD`.
    pub fn first_day(&self) -> u32 {
        u32::from(self.year) * 10_000
            + u32::from(self.month.unwrap_or(1)) * 100
            + u32::from(self.day.unwrap_or(1))
    }

    /// The last day the date can stand for ("2018-11" → 2018-11-30), as `YYYYMMDD`.
    pub fn last_day(&self) -> u32 {
        let month = self.month.unwrap_or(12);
        let day = self.day.unwrap_or_else(|| days_in_month(self.year, month));
        u32::from(self.year) * 10_000 + u32::from(month) * 100 + u32::from(day)
    }

    /// Whether the days this date can stand for meet the days `from..=to` (`YYYYMMDD`): an item
    /// dated "2018" may fall in "2018-11", so a filter from "2018-11" keeps it.
    pub fn overlaps(&self, from: u32, to: u32) -> bool {
        self.last_day() >= from && self.first_day() <= to
    }
}

impl FromStr for PartialDate {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || DateError(s.to_string());
        let parts: Vec<&str> = s.split('-').collect();
        let number = |p: &str, len: usize| -> Result<u16, DateError> {
            if p.len() != len || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            p.parse().map_err(|_| err())
        };
        let year = number(parts.first().ok_or_else(err)?, 4)?;
        if year == 0 {
            return Err(err());
        }
        let month = match parts.get(1) {
            None => None,
            Some(p) => {
                let m = number(p, 2)?;
                if !(1..=12).contains(&m) {
                    return Err(err());
                }
                Some(m as u8)
            }
        };
        let day = match parts.get(2) {
            None => None,
            Some(p) => {
                let d = number(p, 2)?;
                let max = days_in_month(year, month.unwrap_or(1));
                if d == 0 || d > u16::from(max) {
                    return Err(err());
                }
                Some(d as u8)
            }
        };
        if parts.len() > 3 {
            return Err(err());
        }
        Ok(PartialDate { year, month, day })
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl TryFrom<String> for PartialDate {
    type Error = DateError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<PartialDate> for String {
    fn from(d: PartialDate) -> String {
        d.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_precision() -> Result<(), DateError> {
        for s in ["2020", "2018-11", "2019-10-22", "2020-02-29"] {
            let d: PartialDate = s.parse()?;
            assert_eq!(d.to_string(), s);
        }
        assert_eq!("2018-11".parse::<PartialDate>()?.precision(), Precision::Month);
        Ok(())
    }

    #[test]
    fn rejects_bad_dates() {
        for s in
            ["", "18", "2018-13", "2018-11-31", "2019-02-29", "2018-1", "2018/11", "2018-11-10-1", "0000"]
        {
            assert!(s.parse::<PartialDate>().is_err(), "{s}");
        }
    }

    #[test]
    fn a_partial_date_covers_its_whole_period() -> Result<(), DateError> {
        let d = |s: &str| s.parse::<PartialDate>();
        assert_eq!((d("2020-02")?.first_day(), d("2020-02")?.last_day()), (20200201, 20200229));
        assert_eq!((d("2018")?.first_day(), d("2018")?.last_day()), (20180101, 20181231));
        assert!(d("2018")?.overlaps(d("2018-11")?.first_day(), 99991231));
        assert!(!d("2018-10-31")?.overlaps(d("2018-11")?.first_day(), 99991231));
        assert!(d("2019-10-22")?.overlaps(0, d("2019-10")?.last_day()));
        assert!(!d("2019-11")?.overlaps(0, d("2019-10")?.last_day()));
        Ok(())
    }

    #[test]
    fn orders_chronologically() {
        let k = |s: &str| s.parse::<PartialDate>().map_or(0, |d| d.sort_key());
        assert!(k("2018") < k("2018-11"));
        assert!(k("2018-11") < k("2018-11-10"));
        assert!(k("2018-11-10") < k("2019"));
    }
}
