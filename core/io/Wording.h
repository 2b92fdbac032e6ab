#pragma once

#include <QString>

namespace streamscope {

// One way to write numbers and counts everywhere (the GUI, the CLI's text output, messages):
// counts with thousands separators ("1,799"), and a noun that agrees with its count ("1 entry",
// "2 entries"). tr("%n entries") does not do this without a translation loaded, so text goes
// through these instead.

// 1799 -> "1,799" (the system locale's grouping; "," when the locale is C/POSIX).
QString formatCount(qint64 n);
// countOf(1, "entry", "entries") -> "1 entry"; countOf(1799, ...) -> "1,799 entries".
QString countOf(qint64 n, const QString &one, const QString &many);
inline QString countOf(qint64 n, const char *one, const char *many) {
    return countOf(n, QString::fromUtf8(one), QString::fromUtf8(many));
}
// A rate: "-" when unknown (negative or NaN), else with the given decimals and grouping.
QString formatRate(double perSecond, int decimals = 0);
// "250 ms", "1.6 s", "12 s", "3 min 4 s", "2 h 5 min", "3 d 4 h": a duration short enough for a
// status bar (never "1600 m"); "never" when negative.
QString formatDuration(qint64 ms);
// "hh:mm:ss" of a wall-clock time in ms since the epoch; "" for 0.
QString formatClock(qint64 msSinceEpoch);

} // namespace streamscope
