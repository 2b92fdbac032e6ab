#include "RedisClient.h"

#include "ClusterClient.h"
#include "RedisConnection.h"
#include "SentinelClient.h"

namespace streamscope {

QStringList RedisClient::primaries() const {
    QStringList endpoints;
    for (const Node &node : nodes())
        if (node.primary && !node.slotRanges.isEmpty())
            endpoints << node.endpoint;
    return endpoints;
}

std::vector<RedisClient::NodeReply> RedisClient::onEveryPrimary(const Command &args,
                                                                int timeoutMs) {
    std::vector<NodeReply> replies;
    for (const QString &endpoint : primaries())
        replies.push_back({endpoint, commandOn(endpoint, args, timeoutMs)});
    return replies;
}

// RedisConnection's part of the interface lives here, next to the rest of it.
QList<RedisClient::Node> RedisConnection::nodes() const {
    Node self;
    self.endpoint = m_settings.endpoint();
    self.slotRanges = {{0, 16383}};
    self.reachable = isOpen();
    return {self};
}

Result<RedisReply> RedisConnection::commandOn(const QString &endpoint, const Command &args,
                                              int timeoutMs) {
    if (endpoint != m_settings.endpoint())
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("%1 is not the server of this connection (%2)")
                         .arg(endpoint, m_settings.endpoint()));
    return command(args, timeoutMs);
}

namespace {

// A sentinel answers INFO with its own sections only (INFO cluster is empty) and refuses data
// commands: connected as a data server it would look like a server without streams. The error
// names what to connect with instead.
Error refuseSentinel(RedisConnection &probe, const ConnectionSettings &settings) {
    auto info = probe.command({"INFO", "server"});
    if (!info.ok())
        return info.error();
    if (info->isError() || !info->bytes().contains("redis_mode:sentinel"))
        return {};
    QStringList names;
    probe.setReadOnly(false); // SENTINEL MASTERS changes nothing
    auto masters = probe.command({"SENTINEL", "MASTERS"});
    if (masters.ok() && masters->isArray())
        for (const RedisReply &master : masters->elements())
            if (const RedisReply *name = master.field("name"))
                names << QString::fromUtf8(name->bytes());
    const QString endpoint = settings.endpoint();
    return Error(Error::Kind::InvalidArgument,
                 QStringLiteral("%1 is a Redis Sentinel, not a data server: connect with "
                                "redis+sentinel://%1/%2%3")
                     .arg(endpoint, names.value(0, QStringLiteral("MASTER")),
                          names.isEmpty()
                              ? QStringLiteral(" (it monitors no master, or does not say which)")
                              : QStringLiteral(" (it knows %1: %2)")
                                    .arg(names.size() == 1 ? QStringLiteral("one master")
                                                           : QStringLiteral("the masters"),
                                         names.join(QStringLiteral(", ")))));
}

} // namespace

Result<std::unique_ptr<RedisClient>> openClient(const ConnectionSettings &settings,
                                                const std::atomic<bool> *cancel) {
    // Through Sentinel no server is probed: the sentinels name the primary (SentinelClient).
    if (settings.viaSentinel()) {
        auto client = std::make_unique<SentinelClient>(settings);
        client->setCancelFlag(cancel);
        if (Error e = client->open())
            return e;
        return std::unique_ptr<RedisClient>(std::move(client));
    }
    auto probe = std::make_unique<RedisConnection>(settings);
    probe->setCancelFlag(cancel);
    if (Error e = probe->open())
        return e;
    auto info = probe->command({"INFO", "cluster"});
    if (!info.ok())
        return info.error();
    bool cluster = false;
    if (!info->isError()) {
        cluster = info->bytes().contains("cluster_enabled:1");
        // Every data server has the field, 0 or 1; a sentinel has no cluster section.
        if (!info->bytes().contains("cluster_enabled:"))
            if (Error e = refuseSentinel(*probe, settings))
                return e;
    } else {
        // INFO may be denied by an ACL: CLUSTER MYID tells too (and changes nothing, so it may
        // pass read-only mode).
        probe->setReadOnly(false);
        auto myId = probe->command({"CLUSTER", "MYID"});
        probe->setReadOnly(settings.fixedReadOnly());
        if (!myId.ok())
            return myId.error();
        // A node that knows neither (a proxy, renamed commands) is taken as one server; one
        // that denies both to this user cannot be told, and guessing would show a partial
        // picture as whole.
        if (!myId->isError())
            cluster = true;
        else if (myId->errorCode() == "NOPERM")
            return Error(Error::Kind::Server,
                         QStringLiteral("cannot tell whether %1 is a Redis Cluster node: INFO "
                                        "answered \"%2\", CLUSTER MYID \"%3\". Allow this user "
                                        "one of them (ACL SETUSER name +info)")
                             .arg(settings.endpoint(), info->errorMessage(), myId->errorMessage()));
    }
    if (!cluster)
        return std::unique_ptr<RedisClient>(std::move(probe));
    auto client = std::make_unique<ClusterClient>(settings, std::move(probe));
    client->setCancelFlag(cancel);
    if (Error e = client->open())
        return e;
    return std::unique_ptr<RedisClient>(std::move(client));
}

} // namespace streamscope
