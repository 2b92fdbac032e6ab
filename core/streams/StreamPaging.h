#pragma once

#include "AutoClient.h"
#include "StreamEntry.h"

#include <QDate>

namespace streamscope {

// Where a page of history starts (a page is always listed newest first): the newest entries, the
// entries just older than an ID (the next page back), the entries at or before a moment or an
// ID, the entries just newer than an ID (the next page forward), or the entries around an ID (a
// jump: half at or before it, half after it).
struct PageStart {
    enum class Kind { Newest, OlderThan, AtOrBefore, NewerThan, Around };
    Kind kind = Kind::Newest;
    StreamId id;
    static PageStart newest() { return {}; }
    static PageStart olderThan(StreamId id) { return {Kind::OlderThan, id}; }
    static PageStart atOrBefore(StreamId id) { return {Kind::AtOrBefore, id}; }
    static PageStart newerThan(StreamId id) { return {Kind::NewerThan, id}; }
    // The same moment or ID, read both ways (AtOrBefore becomes Around; others unchanged).
    PageStart around() const {
        return kind == Kind::AtOrBefore ? PageStart{Kind::Around, id} : *this;
    }
    // Every entry added at or before msSinceEpoch (the ID's time part).
    static PageStart atTime(qint64 msSinceEpoch);
};

// A moment or an entry ID as people type them: "2026-11-25 14:05[:30[.123]]",
// "2026-11-25T14:05:30", "14:05[:30]" (today, local time) or "1700000000000-0". A moment is the
// last possible ID of that millisecond (kind AtOrBefore), so "up to 14:05" includes 14:05:00.000.
Result<PageStart> parseIdOrTime(const QString &text, const QDate &today);

// Every ID a moment or an ID covers, both ends inclusive, at the precision it was typed:
// "21:26" is the whole minute (21:26:00.000-0 to 21:26:59.999-max), "21:26:51" the whole
// second, "21:26:51.250" that millisecond, "2026-11-25" the whole day; an ID "1700000000000-3"
// is itself, a bare "1700000000000" every entry of that millisecond (as XRANGE reads it).
// So "--to 21:26:51" includes what was written during 21:26:51.
struct IdSpan {
    StreamId first;
    StreamId last;
};
Result<IdSpan> parseIdOrTimeSpan(const QString &text, const QDate &today);

// How many of an Around page's count are read at or before its ID (the rest are read after it).
inline int olderShare(int count) {
    return count - count / 2;
}

// One page of a stream's history, newest first: XREVRANGE (back) or XRANGE (forward, then
// reversed) by ID with COUNT, so the cost does not depend on the stream's length and nothing is
// loaded whole. An exclusive bound is written as the neighbouring ID, which works on every
// server version. Around reads olderShare(count) entries at or before the ID and the rest after
// it, in two commands.
Result<StreamEntryList> fetchHistoryPage(RedisClient &connection, const QByteArray &stream,
                                         const PageStart &start, int count);

} // namespace streamscope
