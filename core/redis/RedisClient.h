#pragma once

#include "ConnectionSettings.h"
#include "Error.h"
#include "RedisReply.h"
#include "ReplyParser.h"

#include <QByteArray>
#include <QList>
#include <QPair>

#include <atomic>
#include <memory>
#include <vector>

namespace streamscope {

using Command = QList<QByteArray>;

// The one seam between StreamScope and a Redis deployment: callers send commands and
// pipelines here and do not care whether one server (RedisConnection), a Redis Cluster
// (ClusterClient) or, later, a Sentinel-managed primary answers. Like RedisConnection it is
// synchronous and belongs to the thread that uses it.
//
// What differs between deployments is only what a caller must know to stay complete:
// commands that act on one node's data (SCAN, INFO, DBSIZE) are refused by command() on a
// cluster and go through primaries()/commandOn()/onEveryPrimary(), so that a listing is built
// from every primary and says which node it could not reach.
class RedisClient {
public:
    enum class Topology { Standalone, Cluster, Sentinel };

    // One server of the deployment as the client knows it.
    struct Node {
        QString id;       // the cluster node ID; empty for a standalone server
        QString endpoint; // "host:port" (or the socket path): what commandOn() takes
        bool primary = true;
        QString primaryId;                 // a replica's primary
        QList<QPair<int, int>> slotRanges; // inclusive, for a cluster primary
        bool reachable = true;             // false when the topology says it failed
    };

    // One node's answer to onEveryPrimary(): a reply, or why the node gave none.
    struct NodeReply {
        QString endpoint;
        Result<RedisReply> reply;
    };

    virtual ~RedisClient() = default;

    virtual Topology topology() const = 0;

    // Connects (for a cluster: discovers the topology from the server in the settings).
    virtual Error open() = 0;
    virtual void close() = 0;
    virtual bool isOpen() const = 0;

    // As RedisConnection::command/pipeline/commandEntries: server errors are replies, a failed
    // Result means the transport (or the routing, before anything was sent) failed.
    virtual Result<RedisReply> command(const Command &args, int timeoutMs = -1) = 0;
    virtual Result<std::vector<RedisReply>> pipeline(const QList<Command> &commands,
                                                     int timeoutMs = -1) = 0;
    virtual Result<RedisReply> commandEntries(const Command &args, int entriesDepth,
                                              StreamEntryList *out, int timeoutMs = -1,
                                              const QByteArray &stream = {}) = 0;

    // The primaries serving slots, to ask for a complete picture (the server itself when
    // standalone), and a command
    // for one of them by endpoint (SCAN's cursor belongs to one node).
    virtual QList<Node> nodes() const = 0;
    QStringList primaries() const;
    virtual Result<RedisReply> commandOn(const QString &endpoint, const Command &args,
                                         int timeoutMs = -1) = 0;
    // The command on every primary, one answer per primary in primaries() order: an
    // unreachable node is an answer too (a failed Result naming it), never left out.
    std::vector<NodeReply> onEveryPrimary(const Command &args, int timeoutMs = -1);

    virtual void setReadOnly(bool readOnly) = 0;
    virtual bool isReadOnly() const = 0;
    // The largest reply accepted, from the settings at first (on every node of a cluster).
    virtual void setMaxReplyBytes(qint64 bytes) = 0;
    virtual qint64 maxReplyBytes() const = 0;
    virtual void setCancelFlag(const std::atomic<bool> *flag) = 0;

    virtual const ConnectionSettings &settings() const = 0;
    virtual qint64 bytesReceived() const = 0;
    virtual qint64 commandsSent() const = 0;
};

// Connects to the server in settings and returns the client its deployment needs: asks the
// server once (INFO cluster: cluster_enabled) and returns an open RedisConnection or an open
// ClusterClient. (Sentinel, when it comes, is chosen from the settings before any server is
// asked.) cancel, when given, ends the connect and the probe early (and stays set on the
// client returned). Long-lived workers hold an AutoClient instead, which does this on open().
Result<std::unique_ptr<RedisClient>> openClient(const ConnectionSettings &settings,
                                                const std::atomic<bool> *cancel = nullptr);

} // namespace streamscope
