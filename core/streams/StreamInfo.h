#pragma once

#include "AutoClient.h"
#include "StreamId.h"

#include <QByteArray>
#include <QHash>
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
    // Not empty when the ACL user may not read this stream (its key is outside the user's key
    // patterns; SCAN lists every key all the same): "no permission: ...". Then only name, node
    // and slot are known; every figure above is unknown, not 0, and a listing holding such a
    // stream is partial.
    QString noAccess;

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
// "slots 0-5460 on 127.0.0.1:7001 unknown: <reason>", for a report.
QString missingNodeText(const MissingNode &missing);

// What SCAN found, with a flag when the bound cut the scan short and the nodes it could not
// scan (on a cluster, every primary is scanned; a partial listing names what is missing).
struct StreamListing {
    StreamInfoList streams;
    bool truncated = false;
    MissingNodeList missing;
    // Streams the user may not read are in streams, with noAccess set.
    int forbidden() const;
    bool partial() const { return !missing.isEmpty() || forbidden() > 0; }
};

// Slot ranges as text: "0-5460", "0-5460,10923" (empty for none).
QString slotRangesText(const QList<QPair<int, int>> &ranges);

// Where a key lives: its slot on a cluster (-1 standalone) and the primary the client's map
// gives for it (the server itself standalone; empty when no node serves the slot).
int streamSlot(const RedisClient &client, const QByteArray &key);
QString primaryOf(const QList<RedisClient::Node> &nodes, int slot);

// A keyless command that any one server answers for the deployment (INFO server: version,
// mode): the server itself standalone, one primary (the next when one cannot be reached) on a
// cluster, where command() refuses keyless per-node commands.
Result<RedisReply> commandOnOnePrimary(RedisClient &client, const Command &args);

// What SCAN found on every primary: the names, sorted, each with the node that listed it.
struct ScannedNames {
    QList<QByteArray> names;
    QHash<QByteArray, QString> nodeOf; // name -> "host:port" of the primary that listed it
    bool truncated = false;
    MissingNodeList missing; // primaries that could not be scanned (cluster only)
};

// SCAN ... TYPE stream (never KEYS) on every primary, each with its own cursor, the bounds
// shared across nodes: at most maxKeys names and maxScanCalls round trips in all. On a cluster a
// node that cannot be reached or refuses goes into missing (with its slots), as do slots no
// primary serves; standalone, a failure is the result, as it always was.
Result<ScannedNames> scanStreams(RedisClient &client, const QByteArray &pattern, int maxKeys,
                                 int maxScanCalls);

// The names of the stream keys matching pattern, by SCAN ... TYPE stream (never KEYS), sorted,
// at most maxKeys (truncated says when there were more) in at most maxScanCalls round trips, on
// every primary. A node that could not be scanned goes into *missing when given; without it
// the call fails naming the node (never a silently partial list).
Result<QList<QByteArray>> scanStreamNames(RedisClient &connection, const QByteArray &pattern,
                                          int maxKeys, int maxScanCalls, bool *truncated,
                                          MissingNodeList *missing = nullptr);

// Finds stream keys with SCAN ... TYPE stream (never KEYS) on every primary, at most maxKeys of
// them and at most maxScanCalls round trips, then describes them with pipelined XINFO STREAM
// (one pipeline per node). Sorted by name; each with its node and slot. Nodes that could not be
// scanned or described are in missing.
Result<StreamListing> listStreams(RedisClient &connection, const QByteArray &pattern = "*",
                                  int maxKeys = 10000, int maxScanCalls = 10000);

// XINFO STREAM for each name in one round trip (split per node by the client), each with its
// node and slot; a stream that does not exist (or is not a stream) is left out. Any other error
// reply (NOPERM, a redirection the client could not follow) fails the call with the server's
// message: a stream is never called absent because its node did not answer for it. With
// keepForbidden, a stream the user may not read (a key refusal: isKeyRefusal) is returned with
// noAccess set instead; a refusal of the command itself still fails the call.
Result<StreamInfoList> describeStreams(RedisClient &connection, const QList<QByteArray> &names,
                                       bool keepForbidden = false);

// An XINFO reply error that means "no such stream here" (the key is gone or not a stream),
// as opposed to one about the server or the user (NOPERM, MOVED, CLUSTERDOWN, LOADING).
bool isNoSuchStream(const RedisReply &reply);

// A failure that is about the user's rights (NOPERM), the same on every node: it ends a
// listing or a poll. Any other failure of one cluster node makes that node missing.
bool isPermissionRefusal(const Error &error);

// A NOPERM reply about the key (the user's key patterns do not cover it), as opposed to one
// about the command: the first concerns that stream only, the second every stream.
bool isKeyRefusal(const RedisReply &reply);
// The StreamInfo::noAccess text for a key refusal of command ("XINFO STREAM").
QString noAccessText(const char *command, const RedisReply &reply);

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::StreamInfo)
Q_DECLARE_METATYPE(streamscope::StreamInfoList)
Q_DECLARE_METATYPE(streamscope::MissingNodeList)
