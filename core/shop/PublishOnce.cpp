#include "PublishOnce.h"

#include "ClusterSlots.h"

#include <QCryptographicHash>
#include <QMap>
#include <QSet>

#include <algorithm>

namespace streamscope::shop {

namespace {
// KEYS[1] stream, KEYS[2] marker, KEYS[3] (optional) the stream to XACK ARGV[2] in group
// ARGV[1]; ARGV[3..] the fields. Every key is declared: a cluster routes by them.
const char script[] = R"lua(
local id = redis.call('GET', KEYS[2])
if not id then
  id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
  redis.call('SET', KEYS[2], id, 'EX', 604800)
end
if KEYS[3] then
  redis.call('XACK', KEYS[3], ARGV[1], ARGV[2])
end
return id
)lua";

const QByteArray &scriptSha() {
    static const QByteArray sha =
        QCryptographicHash::hash(script, QCryptographicHash::Sha1).toHex();
    return sha;
}

// Whether the acknowledgement can be part of the script: its stream shares the slot.
bool ackInScript(const RedisClient &connection, const PublishOnce::Request &r) {
    return !r.ackStream.isEmpty()
           && (connection.topology() != RedisClient::Topology::Cluster
               || cluster::keySlot(r.ackStream) == cluster::keySlot(r.stream));
}

Command evalCommand(const RedisClient &connection, const PublishOnce::Request &r,
                    const QByteArray &how, const QByteArray &body) {
    const bool ack = ackInScript(connection, r);
    Command c{how, body, ack ? "3" : "2", r.stream, r.marker};
    if (ack)
        c << r.ackStream;
    c << r.ackGroup << r.ackId;
    c.append(r.fields);
    return c;
}

// The primary serving key's slot when one of its replicas is up (from the client's map), else
// empty: one server, or no replica to wait for.
QString primaryWithReplica(const RedisClient &connection, const QByteArray &key) {
    if (connection.topology() == RedisClient::Topology::Sentinel) {
        // The primary, when the sentinels list a replica they do not think down.
        const QList<RedisClient::Node> nodes = connection.nodes();
        const bool replicaUp = std::any_of(nodes.cbegin(), nodes.cend(),
                                           [](const auto &n) { return !n.primary && n.reachable; });
        return replicaUp ? nodes.value(0).endpoint : QString();
    }
    if (connection.topology() != RedisClient::Topology::Cluster)
        return {};
    const int slot = cluster::keySlot(key);
    const QList<RedisClient::Node> nodes = connection.nodes();
    for (const RedisClient::Node &primary : nodes) {
        if (!primary.primary
            || std::none_of(
                primary.slotRanges.cbegin(), primary.slotRanges.cend(),
                [slot](const QPair<int, int> &r) { return r.first <= slot && slot <= r.second; }))
            continue;
        for (const RedisClient::Node &replica : nodes)
            if (!replica.primary && replica.primaryId == primary.id && replica.reachable)
                return primary.endpoint;
        return {};
    }
    return {};
}

} // namespace

Error PublishOnce::load(RedisClient &connection) {
    for (const RedisClient::NodeReply &node :
         connection.onEveryPrimary({"SCRIPT", "LOAD", script})) {
        // A node down (failing over) stops nobody: its successor gets EVAL if need be.
        if (!node.reply.ok())
            continue;
        if (node.reply->isError())
            return Error(Error::Kind::Server, QStringLiteral("SCRIPT LOAD failed on %1: %2")
                                                  .arg(node.endpoint, node.reply->errorMessage()));
    }
    return {};
}

Result<std::vector<RedisReply>> PublishOnce::run(RedisClient &connection,
                                                 const QList<Request> &batch) {
    QList<Command> commands;
    for (const Request &r : batch)
        commands.append(evalCommand(connection, r, "EVALSHA", scriptSha()));
    auto replies = connection.pipeline(commands);
    if (!replies.ok())
        return replies;
    // A node that does not know the script (restarted, SCRIPT FLUSH, a replica promoted since
    // the load): nothing ran there; send the script itself.
    QList<Command> again;
    QList<size_t> againAt;
    for (size_t i = 0; i < replies->size(); ++i)
        if (replies.value()[i].errorCode() == "NOSCRIPT") {
            again.append(evalCommand(connection, batch.at(qsizetype(i)), "EVAL", script));
            againAt.append(i);
        }
    if (!again.isEmpty()) {
        auto second = connection.pipeline(again);
        if (!second.ok())
            return second;
        for (qsizetype k = 0; k < againAt.size(); ++k)
            replies.value()[againAt.at(k)] = second.value()[size_t(k)];
    }

    // On a cluster, what was published reaches a replica before anything that depends on it
    // (the acknowledgement of the order entry, the relay's mark in its database): a primary
    // SIGKILLed right after cannot take the only copy with it (replication is asynchronous).
    // Best effort: a replica that does not answer in time is not waited for any longer.
    QSet<QString> written;
    for (qsizetype i = 0; i < batch.size(); ++i)
        if (!replies.value()[size_t(i)].isError())
            if (const QString node = primaryWithReplica(connection, batch.at(i).stream);
                !node.isEmpty())
                written.insert(node);
    for (const QString &node : written) {
        auto waited = connection.commandOn(node, {"WAIT", "1", QByteArray::number(replicaWaitMs)});
        if (!waited.ok())
            return waited.error(); // the entries stay pending; the retry publishes nothing twice
        // Through Sentinel a primary whose replica stopped confirming may be the old one of a
        // failover under way: it accepts writes for seconds and then drops them. What it did not
        // pass on is not taken as published (its order stays pending; the retry on whichever
        // primary holds the data publishes once). A cluster waits on a best-effort basis only.
        if (connection.topology() == RedisClient::Topology::Sentinel
            && (waited->integer() < 1 || connection.nodes().value(0).endpoint != node))
            return Error(Error::Kind::Io,
                         QStringLiteral("%1 did not pass the publication on to a replica within "
                                        "%2 ms: it may be the old primary of a failover under "
                                        "way; kept pending and published (once) later")
                             .arg(node)
                             .arg(replicaWaitMs));
    }

    // Acknowledgements the script could not make (another slot), after what they depend on
    // was published: one XACK per stream and group.
    QMap<QPair<QByteArray, QByteArray>, Command> acks;
    QMap<QPair<QByteArray, QByteArray>, QList<size_t>> ackedBy;
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const Request &r = batch.at(i);
        if (r.ackStream.isEmpty() || ackInScript(connection, r)
            || replies.value()[size_t(i)].isError())
            continue;
        const QPair<QByteArray, QByteArray> key{r.ackStream, r.ackGroup};
        if (!acks.contains(key))
            acks.insert(key, {"XACK", r.ackStream, r.ackGroup});
        acks[key].append(r.ackId);
        ackedBy[key].append(size_t(i));
    }
    if (acks.isEmpty())
        return replies;
    auto acked = connection.pipeline(acks.values());
    if (!acked.ok())
        return acked.error(); // published, not acknowledged: the retry only acknowledges
    qsizetype k = 0;
    for (auto it = ackedBy.cbegin(); it != ackedBy.cend(); ++it, ++k)
        if (acked.value()[size_t(k)].isError())
            for (size_t i : it.value())
                replies.value()[i] = acked.value()[size_t(k)];
    return replies;
}

} // namespace streamscope::shop
