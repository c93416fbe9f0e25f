//! ECMAScript's time-value arithmetic (MakeDay, MakeTime, MakeDate, TimeClip) over a proleptic
//! Gregorian calendar, computed exactly in integers so no float rounding can shift a date.

/// The largest time value a `Date` can hold, in milliseconds either side of the epoch.
pub(crate) const MAX_TIME_MS: f64 = 8.64e15;

const MS_PER_DAY: i64 = 86_400_000;

/// Days from 1970-01-01 to `year`-`month`-`day` of the proleptic Gregorian calendar (`month`
/// 1..=12, `day` from 1; a larger day runs on into the following months).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    // Counting years from March puts the leap day last, so month lengths follow a fixed pattern.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The number of days of `month` (1..=12) in `year` of the proleptic Gregorian calendar.
pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The proleptic Gregorian `(year, month 1..=12, day 1..=31)` of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// Milliseconds since the epoch of the given civil fields, with months, days and times allowed to
/// overflow into the next larger unit as `Date.UTC` does (month 12 is January of the next year,
/// day 0 the last day of the previous month). `month` is 0-based. `None` when the result is out
/// of a `Date`'s range.
pub(crate) fn utc_time(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    millisecond: i64,
) -> Option<f64> {
    clip_integer(utc_time_unclipped(
        year,
        month,
        day,
        hour,
        minute,
        second,
        millisecond,
    )?)
}

/// Like [`utc_time`] but without the range check, for callers that shift the result by a zone
/// offset before checking; `None` only for fields far beyond any representable date.
pub(crate) fn utc_time_unclipped(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    millisecond: i64,
) -> Option<i64> {
    // Far outside the ±275,760-year range the result is invalid anyway; bail out before any
    // arithmetic could overflow.
    const LIMIT: i64 = 1_000_000_000;
    if [year, month, day, hour, minute, second, millisecond]
        .iter()
        .any(|part| part.abs() > LIMIT)
    {
        return None;
    }
    let whole_year = year + month.div_euclid(12);
    let month_in_year = month.rem_euclid(12) + 1;
    let days = days_from_civil(whole_year, month_in_year, day);
    let time = hour * 3_600_000 + minute * 60_000 + second * 1000 + millisecond;
    days.checked_mul(MS_PER_DAY)?.checked_add(time)
}

/// TimeClip of an integral time value.
pub(crate) fn clip_integer(ms: i64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)] // within ±8.64e15 every integer is exact in an f64
    let ms = ms as f64;
    (ms.abs() <= MAX_TIME_MS).then_some(ms)
}

/// ECMAScript TimeClip: `None` for non-finite or out-of-range values, otherwise the value with any
/// fraction dropped toward zero (and `-0` made `+0`).
pub fn time_clip(ms: f64) -> Option<f64> {
    if !ms.is_finite() || ms.abs() > MAX_TIME_MS {
        return None;
    }
    Some(ms.trunc() + 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(utc_time(1970, 0, 1, 0, 0, 0, 0), Some(0.0));
        assert_eq!(utc_time(2024, 1, 29, 0, 0, 0, 0), Some(1_709_164_800_000.0));
        assert_eq!(utc_time(0, 0, 1, 0, 0, 0, 0), Some(-62_167_219_200_000.0));
        assert_eq!(
            utc_time(-1, 11, 31, 0, 0, 0, 0),
            Some(-62_167_305_600_000.0)
        );
    }

    #[test]
    fn fields_overflow_into_larger_units() {
        assert_eq!(
            utc_time(2024, 12, 45, 0, 0, 0, 0),
            utc_time(2025, 1, 14, 0, 0, 0, 0)
        );
        assert_eq!(
            utc_time(2024, -1, 1, 0, 0, 0, 0),
            utc_time(2023, 11, 1, 0, 0, 0, 0)
        );
        assert_eq!(
            utc_time(2024, 2, 0, 0, 0, 0, 0),
            utc_time(2024, 1, 29, 0, 0, 0, 0)
        );
        assert_eq!(
            utc_time(2024, 0, 1, 99, 99, 99, 0),
            utc_time(2024, 0, 5, 4, 40, 39, 0)
        );
    }

    #[test]
    fn range_limits() {
        assert_eq!(utc_time(275_760, 8, 13, 0, 0, 0, 0), Some(MAX_TIME_MS));
        assert_eq!(utc_time(275_760, 8, 13, 0, 0, 0, 1), None);
        assert_eq!(utc_time(-271_821, 3, 20, 0, 0, 0, 0), Some(-MAX_TIME_MS));
        assert_eq!(utc_time(-271_821, 3, 19, 23, 59, 59, 999), None);
        assert_eq!(time_clip(-0.5), Some(0.0));
        assert_eq!(time_clip(1.9), Some(1.0));
        assert_eq!(time_clip(f64::INFINITY), None);
        assert_eq!(time_clip(8.64e15 + 1.0), None);
    }
}
