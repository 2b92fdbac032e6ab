#include "DeadLetter.h"

#include "ClusterSlots.h"
#include "GroupStatus.h"

#include <QCryptographicHash>

namespace streamscope {

const char markedCopyScript[] = R"lua(
local id = redis.call('GET', KEYS[2])
if id then return {id, 0} end
id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
redis.call('SET', KEYS[2], id, 'EX', ARGV[1])
return {id, 1}
)lua";

namespace {

constexpr int markerSeconds = 7 * 24 * 3600;

// EVALSHA, and EVAL only when the node answers NOSCRIPT: SCRIPT LOAD is per node, and a cluster
// client sends EVALSHA to the node of its first key, which may never have seen the script.
Result<RedisReply> evalScript(RedisClient &connection, const QByteArray &script,
                              const QList<QByteArray> &keys, const QList<QByteArray> &args) {
    const QByteArray sha = QCryptographicHash::hash(script, QCryptographicHash::Sha1).toHex();
    Command c{"EVALSHA", sha, QByteArray::number(keys.size())};
    c << keys << args;
    auto reply = connection.command(c);
    if (!reply.ok() || reply->errorCode() != "NOSCRIPT")
        return reply;
    c[0] = "EVAL";
    c[1] = script;
    return connection.command(c);
}

// Ends a WATCH without EXEC. On a cluster UNWATCH has no key to be routed by: a DISCARDed
// MULTI on the watched key's node ends it there.
void unwatch(RedisClient &connection, const QByteArray &watched) {
    // Best effort: a WATCH left behind is cleared by the next EXEC or reconnect.
    if (connection.topology() == RedisClient::Topology::Cluster)
        (void)connection.pipeline({{"MULTI"}, {"XLEN", watched}, {"DISCARD"}});
    else
        (void)connection.command({"UNWATCH"});
}

// A hash tag for keys in target's slot: its own tag, its whole name, or (for names like
// "a{}b" whose braces defeat both) a short number found in the same slot.
QByteArray tagInSlotOf(const QByteArray &target) {
    const int slot = cluster::keySlot(target);
    const qsizetype open = target.indexOf('{');
    if (open >= 0) {
        const qsizetype close = target.indexOf('}', open + 1);
        if (close > open + 1)
            return target.mid(open + 1, close - open - 1);
    }
    if (!target.contains('}') && cluster::keySlot('{' + target + '}') == slot)
        return target;
    for (int n = 0;; ++n) // every slot is reached within a few tens of thousands
        if (cluster::keySlot(QByteArray::number(n)) == slot)
            return QByteArray::number(n);
}

Error failed(const QByteArray &id, const QString &why, Error::Kind kind = Error::Kind::Server) {
    return Error(kind,
                 QStringLiteral("dead-lettering %1 failed: %2; it is still pending and nothing "
                                "was added to the dead-letter stream")
                     .arg(QString::fromUtf8(id), why));
}

} // namespace

QByteArray sameSlotDeadLetterStream(const QByteArray &stream) {
    const QByteArray suffixed = stream + ":dlq";
    if (cluster::keySlot(suffixed) == cluster::keySlot(stream))
        return suffixed;
    const QByteArray tagged = '{' + stream + "}:dlq";
    if (cluster::keySlot(tagged) == cluster::keySlot(stream))
        return tagged;
    return suffixed; // braces in the name defeat both: copy, then acknowledge
}

QByteArray deadLetterMarker(const QByteArray &target, const QByteArray &stream,
                            const QByteArray &group, const QByteArray &id) {
    return '{' + tagInSlotOf(target) + "}:dlq-moved:" + stream + ':' + group + ':' + id;
}

namespace {

// What is written to the dead-letter stream: where the entry came from, then its fields.
QList<QByteArray> deadLetterFields(const DeadLetterRequest &r) {
    QList<QByteArray> add{"dlq.stream",     r.stream,
                          "dlq.id",         r.entry.id.toByteArray(),
                          "dlq.group",      r.group,
                          "dlq.consumer",   r.consumer,
                          "dlq.deliveries", QByteArray::number(r.deliveries),
                          "dlq.reason",     r.reason.toUtf8()};
    if (r.entry.deleted)
        add << "dlq.deleted"
            << "1";
    add.append(r.entry.fields());
    return add;
}

QByteArray targetOf(const DeadLetterRequest &r) {
    return r.target.isEmpty() ? r.stream + ":dlq" : r.target;
}

} // namespace

Result<QByteArray> deadLetterCopy(RedisClient &connection, const DeadLetterRequest &r) {
    const QByteArray target = targetOf(r);
    const QByteArray id = r.entry.id.toByteArray();
    auto reply = evalScript(
        connection, markedCopyScript, {target, deadLetterMarker(target, r.stream, r.group, id)},
        QList<QByteArray>{QByteArray::number(markerSeconds)} + deadLetterFields(r));
    if (!reply.ok())
        return reply.error();
    if (reply->isError()) // nothing was written: XADD is the script's first write
        return failed(id, reply->errorMessage());
    if (!reply->isArray() || reply->size() != 2)
        return failed(id, QStringLiteral("the copy script gave an unexpected answer"));
    return reply->at(0).bytes();
}

namespace {

// Across slots: the copy first (idempotent by its marker), the acknowledgement after it.
Result<QByteArray> copyThenAck(RedisClient &connection, const DeadLetterRequest &r) {
    const QByteArray id = r.entry.id.toByteArray();
    auto copied = deadLetterCopy(connection, r);
    if (!copied.ok())
        return copied;
    auto acked = connection.command({"XACK", r.stream, r.group, id});
    const QString why = !acked.ok()        ? acked.error().message
                        : acked->isError() ? acked->errorMessage()
                                           : QString();
    if (!why.isEmpty())
        return Error(
            acked.ok() ? Error::Kind::Server : acked.error().kind,
            QStringLiteral("dead-lettering %1: copied to %2 as %3, but acknowledging it failed "
                           "(%4); it is still pending, and dead-lettering it again only "
                           "acknowledges it (the copy is not made twice)")
                .arg(QString::fromUtf8(id), QString::fromUtf8(targetOf(r)),
                     QString::fromUtf8(copied.value()), why));
    return copied;
}

} // namespace

Result<QByteArray> deadLetter(RedisClient &connection, const DeadLetterRequest &r) {
    const QByteArray target = targetOf(r);
    const QByteArray id = r.entry.id.toByteArray();
    if (connection.topology() == RedisClient::Topology::Cluster
        && cluster::keySlot(target) != cluster::keySlot(r.stream))
        return copyThenAck(connection, r);
    Command add{"XADD", target, "*"};
    add.append(deadLetterFields(r));
    // EXEC does not roll back: an XADD failing while EXEC runs it (the target is not a stream)
    // would leave the XACK done and the entry lost. So the target is checked under WATCH first
    // (XLEN: WRONGTYPE unless it is a stream or missing); when anyone writes to the target in
    // between, EXEC does nothing at all and we try again.
    for (int attempt = 0; attempt < 10; ++attempt) {
        auto checked = connection.pipeline({{"WATCH", target}, {"XLEN", target}});
        if (!checked.ok())
            return checked.error();
        for (const RedisReply &reply : checked.value())
            if (reply.isError()) {
                unwatch(connection, target);
                return failed(id, reply.errorMessage());
            }
        auto replies =
            connection.pipeline({{"MULTI"}, add, {"XACK", r.stream, r.group, id}, {"EXEC"}});
        if (!replies.ok())
            return replies.error();
        const RedisReply &exec = replies.value().back();
        for (const RedisReply &reply : replies.value())
            if (reply.isError()) // refused when queued: EXECABORT, nothing ran
                return failed(id, reply.errorMessage());
        if (exec.isNil())
            continue; // the target changed under WATCH: nothing ran
        if (!exec.isArray() || exec.size() != 2)
            return failed(id, QStringLiteral("the transaction was aborted"));
        if (exec.at(0).isError()) // only when the ACL changed between queueing and EXEC
            return Error(Error::Kind::Server,
                         QStringLiteral("dead-lettering %1 failed: %2%3")
                             .arg(QString::fromUtf8(id), exec.at(0).errorMessage(),
                                  exec.at(1).integer() > 0
                                      ? QStringLiteral("; it was acknowledged all the same")
                                      : QString()));
        return exec.at(0).bytes();
    }
    return failed(id, QStringLiteral("%1 kept changing while we tried to write to it")
                          .arg(QString::fromUtf8(target)));
}

Result<DeadLetterOutcome> deadLetterPending(RedisClient &connection, const QByteArray &stream,
                                            const QByteArray &group, const QByteArray &id,
                                            const QString &reason, const QByteArray &target) {
    auto pending = fetchPending(connection, stream, group, id, 1);
    if (!pending.ok())
        return pending.error();
    if (pending->isEmpty() || pending->first().id.toByteArray() != id)
        return DeadLetterOutcome{DeadLetterOutcome::Kind::NotPending, {}};
    StreamEntryList body;
    auto read = connection.commandEntries({"XRANGE", stream, id, id}, 0, &body, -1, stream);
    if (!read.ok())
        return failed(id,
                      QStringLiteral("its body could not be read (%1)").arg(read.error().message),
                      read.error().kind);
    if (read->isError())
        return failed(
            id,
            QStringLiteral("its body could not be read (XRANGE: %1)").arg(read->errorMessage()));
    // An empty answer is the server saying the entry is gone (trimmed or deleted): only then is
    // its record moved without a body.
    StreamEntry entry = body.isEmpty() ? StreamEntry() : body.first();
    entry.stream = stream;
    entry.id = StreamId::fromServer(id);
    entry.deleted = body.isEmpty();
    auto moved = deadLetter(connection, {stream, group, entry, pending->first().deliveries, reason,
                                         pending->first().consumer, target});
    if (!moved.ok())
        return moved.error();
    return DeadLetterOutcome{entry.deleted ? DeadLetterOutcome::Kind::MovedDeleted
                                           : DeadLetterOutcome::Kind::Moved,
                             moved.value()};
}

} // namespace streamscope
