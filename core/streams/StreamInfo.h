#pragma once

#include "AutoClient.h"
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
    // Where it lives: the node that answered for it ("host:port") and, on a cluster, its
    // slot (-1 on a standalone server).
    QString node;
    int slot = -1;
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

// A node whose part of a picture is missing (it could not be reached, or refused): the
// streams and groups in its slots are unknown, not absent.
struct MissingNode {
    QString endpoint; // "host:port"
    QString slots;    // "0-5460", empty on a standalone server
    QString reason;   // the error, as the client gave it
};
using MissingNodeList = QList<MissingNode>;

// What SCAN found, with a flag when the bound cut the scan short and the nodes it could not
// scan (on a cluster, every primary is scanned; a partial listing names what is missing).
struct StreamListing {
    StreamInfoList streams;
    bool truncated = false;
    MissingNodeList missing;
    bool partial() const { return !missing.isEmpty(); }
};

// The names of the stream keys matching pattern, by SCAN ... TYPE stream (never KEYS), sorted,
// at most maxKeys (truncated says when there were more) in at most maxScanCalls round trips.
Result<QList<QByteArray>> scanStreamNames(RedisClient &connection, const QByteArray &pattern,
                                          int maxKeys, int maxScanCalls, bool *truncated);

// Finds stream keys with SCAN ... TYPE stream (never KEYS), at most maxKeys of them and at most
// maxScanCalls round trips, then describes them with pipelined XINFO STREAM. Sorted by name.
Result<StreamListing> listStreams(RedisClient &connection, const QByteArray &pattern = "*",
                                  int maxKeys = 10000, int maxScanCalls = 10000);

// XINFO STREAM for each name in one round trip; a stream that does not exist (or is not a
// stream) is left out.
Result<StreamInfoList> describeStreams(RedisClient &connection, const QList<QByteArray> &names);

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::StreamInfo)
Q_DECLARE_METATYPE(streamscope::StreamInfoList)
Q_DECLARE_METATYPE(streamscope::MissingNodeList)
