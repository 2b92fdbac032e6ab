#pragma once

#include "RedisConnection.h"
#include "StreamEntry.h"

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

// One page of a stream's history, newest first: XREVRANGE by ID with COUNT, so the cost does not
// depend on the stream's length and nothing is loaded whole. An exclusive bound is written as
// the neighbouring ID, which works on every server version.
Result<StreamEntryList> fetchHistoryPage(RedisConnection &connection, const QByteArray &stream,
                                         const PageStart &start, int count);

} // namespace streamscope
