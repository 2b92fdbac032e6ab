#include "PublishOnce.h"

#include "ClusterSlots.h"

#include <QCryptographicHash>
#include <QMap>

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

} // namespace

Error PublishOnce::load(RedisClient &connection) {
    for (const RedisClient::NodeReply &node :
         connection.onEveryPrimary({"SCRIPT", "LOAD", script})) {
        if (!node.reply.ok())
            return node.reply.error();
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
