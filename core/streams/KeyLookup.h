#pragma once

#include "AutoClient.h"
#include "StreamEntry.h"

#include <QMetaType>

#include <functional>
#include <optional>

namespace streamscope {

// "Where is order 4711?": the entries whose key field equals a value, in several streams, read
// from history newest first by ID range. Bounded: at most maxScanned entries per stream, so the
// answer can be cut short; it then says how far back it looked.
struct KeyLookupOptions {
    qint64 maxScanned = 200000; // per stream
    int pageSize = 1000;
    int maxHits = 100;              // per stream
    std::optional<StreamId> newest; // search at or before this ID (default: the end)
    std::optional<StreamId> oldest; // and at or after this one (default: the start)
    std::function<bool()> stop;     // asked between pages: true ends the search (cut short)
};

struct KeyLookupHits {
    QByteArray stream;
    StreamEntryList entries; // oldest first
    qint64 scanned = 0;
    bool cutShort = false;           // stopped at maxScanned or maxHits before the oldest bound
    std::optional<StreamId> reached; // the oldest ID looked at, when cut short
    QString error;                   // this stream could not be read (the others still were)
    Error::Kind errorKind = Error::Kind::None; // ... and why
    bool stopped = false;                      // cancelled by the user
};

struct KeyLookupResult {
    QByteArray field;
    QByteArray value;
    QList<KeyLookupHits> streams; // in the order asked
    bool anyCutShort() const;
    qint64 hits() const;
    QString describe() const; // one line for a status label
};

// Streams are searched in the order given. Flows move forward in time, so once the first stream
// (the start stage) has a hit, later streams are searched only back to that entry's millisecond.
KeyLookupResult lookupKey(RedisClient &connection, const QList<QByteArray> &streams,
                          const QByteArray &field, const QByteArray &value,
                          const KeyLookupOptions &options = {});

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::KeyLookupResult)
