#pragma once

#include "RedisConnection.h"
#include "StreamId.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>

#include <optional>

namespace streamscope {

// What XINFO STREAM (never FULL) says about one stream. Fields that older servers do not send
// stay empty: read them with has_value().
struct StreamInfo {
    QByteArray name;
    qint64 length = 0;
    qint64 groups = 0;
    StreamId lastGeneratedId;
    std::optional<StreamId> firstEntryId; // empty stream: none
    std::optional<StreamId> lastEntryId;
    std::optional<StreamId> maxDeletedEntryId;    // 7.0+
    std::optional<qint64> entriesAdded;           // 7.0+
    std::optional<StreamId> recordedFirstEntryId; // 7.0+
    // Set by pollers that read the length more often than the rest (XINFO STREAM returns the
    // first and last entries whole): false when the stream changed since the other figures
    // were read, which then are as of detailsAtMs (ms since the epoch).
    bool detailsCurrent = true;
    qint64 detailsAtMs = 0;

    // nullopt when the reply is not an XINFO STREAM reply.
    static std::optional<StreamInfo> fromReply(const QByteArray &name, const RedisReply &reply);
};

using StreamInfoList = QList<StreamInfo>;

// What SCAN found, with a flag when the bound cut the scan short.
struct StreamListing {
    StreamInfoList streams;
    bool truncated = false;
};

// The names of the stream keys matching pattern, by SCAN ... TYPE stream (never KEYS), sorted,
// at most maxKeys (truncated says when there were more) in at most maxScanCalls round trips.
Result<QList<QByteArray>> scanStreamNames(RedisConnection &connection, const QByteArray &pattern,
                                          int maxKeys, int maxScanCalls, bool *truncated);

// Finds stream keys with SCAN ... TYPE stream (never KEYS), at most maxKeys of them and at most
// maxScanCalls round trips, then describes them with pipelined XINFO STREAM. Sorted by name.
Result<StreamListing> listStreams(RedisConnection &connection, const QByteArray &pattern = "*",
                                  int maxKeys = 10000, int maxScanCalls = 10000);

// XINFO STREAM for each name in one round trip; a stream that does not exist (or is not a
// stream) is left out.
Result<StreamInfoList> describeStreams(RedisConnection &connection, const QList<QByteArray> &names);

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::StreamInfo)
Q_DECLARE_METATYPE(streamscope::StreamInfoList)
