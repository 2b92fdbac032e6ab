#pragma once

#include "Error.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>

namespace streamscope {

// A stream entry ID, <ms>-<seq>. The ms part is the time the entry was added, so an ID is
// also a timestamp.
struct StreamId {
    quint64 ms = 0;
    quint64 seq = 0;

    // "1700000000000-3" or "1700000000000" (seq 0). Special IDs ($, >, -, +) are not IDs:
    // callers deal with them before parsing.
    static Result<StreamId> parse(const QByteArray &text);
    static bool isValid(const QByteArray &text) { return parse(text).ok(); }
    // Parsing for IDs that come from the server: no error text is built. A malformed ID
    // gives 0-0; parseServer() says whether it was one.
    static StreamId fromServer(QByteArrayView text);
    static bool parseServer(QByteArrayView text, StreamId *out);

    QByteArray toByteArray() const;
    QString toString() const { return QString::fromLatin1(toByteArray()); }
    // The time of the ID, or an invalid QDateTime when ms is past any real time (after the
    // year 9999: 2^64-1 would otherwise wrap to 1969).
    QDateTime timestamp() const;
    bool hasTimestamp() const { return ms <= maxTimestampMs; }
    // For display: the time in format, or a marker saying that the ID holds no real time.
    QString timeText(const QString &format) const;
    QString timeText(Qt::DateFormat format) const;
    static constexpr quint64 maxTimestampMs = 253402300799999; // 9999-12-31T23:59:59.999Z
    bool isZero() const { return ms == 0 && seq == 0; }
    // The smallest ID greater than this one (for exclusive ranges on servers before 6.2).
    // The greatest ID (2^64-1-2^64-1) has none and stays itself: wrapping to 0-0 would
    // restart a paged read from the beginning, forever.
    StreamId successor() const;
    bool isMax() const;
    // The greatest ID smaller than this one (0-0 stays 0-0): exclusive upper bounds.
    StreamId predecessor() const;

    friend bool operator==(const StreamId &a, const StreamId &b) {
        return a.ms == b.ms && a.seq == b.seq;
    }
    friend bool operator!=(const StreamId &a, const StreamId &b) { return !(a == b); }
    friend bool operator<(const StreamId &a, const StreamId &b) {
        return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq);
    }
    friend bool operator>(const StreamId &a, const StreamId &b) { return b < a; }
    friend bool operator<=(const StreamId &a, const StreamId &b) { return !(b < a); }
    friend bool operator>=(const StreamId &a, const StreamId &b) { return !(a < b); }
};

} // namespace streamscope
