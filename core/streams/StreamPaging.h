#pragma once

#include "RedisConnection.h"
#include "StreamEntry.h"

#include <QDate>

namespace streamscope {

// Where a page of history starts, newest first: the newest entries, the entries just older
// than an ID (the next page back), or the entries at or before a moment or an ID (a jump).
struct PageStart {
    enum class Kind { Newest, OlderThan, AtOrBefore };
    Kind kind = Kind::Newest;
    StreamId id;
    static PageStart newest() { return {}; }
    static PageStart olderThan(StreamId id) { return {Kind::OlderThan, id}; }
    static PageStart atOrBefore(StreamId id) { return {Kind::AtOrBefore, id}; }
    // Every entry added at or before msSinceEpoch (the ID's time part).
    static PageStart atTime(qint64 msSinceEpoch);
};

// A moment or an entry ID as people type them: "2026-11-25 14:05[:30[.123]]",
// "2026-11-25T14:05:30", "14:05[:30]" (today, local time) or "1700000000000-0". A moment is the
// last possible ID of that millisecond (kind AtOrBefore), so "up to 14:05" includes 14:05:00.000.
Result<PageStart> parseIdOrTime(const QString &text, const QDate &today);

// One page of a stream's history, newest first: XREVRANGE by ID with COUNT, so the cost does not
// depend on the stream's length and nothing is loaded whole. An exclusive bound is written as
// the neighbouring ID, which works on every server version.
Result<StreamEntryList> fetchHistoryPage(RedisConnection &connection, const QByteArray &stream,
                                         const PageStart &start, int count);

} // namespace streamscope
