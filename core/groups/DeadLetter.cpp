#include "DeadLetter.h"

#include "GroupStatus.h"

namespace streamscope {

namespace {

Error failed(const QByteArray &id, const QString &why, Error::Kind kind = Error::Kind::Server) {
    return Error(kind,
                 QStringLiteral("dead-lettering %1 failed: %2; it is still pending and nothing "
                                "was added to the dead-letter stream")
                     .arg(QString::fromUtf8(id), why));
}

} // namespace

Result<QByteArray> deadLetter(RedisClient &connection, const DeadLetterRequest &r) {
    const QByteArray target = r.target.isEmpty() ? r.stream + ":dlq" : r.target;
    const QByteArray id = r.entry.id.toByteArray();
    Command add{"XADD",
                target,
                "*",
                "dlq.stream",
                r.stream,
                "dlq.id",
                id,
                "dlq.group",
                r.group,
                "dlq.consumer",
                r.consumer,
                "dlq.deliveries",
                QByteArray::number(r.deliveries),
                "dlq.reason",
                r.reason.toUtf8()};
    if (r.entry.deleted)
        add << "dlq.deleted"
            << "1";
    add.append(r.entry.fields());
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
                // Best effort: the refusal below is what the user needs to see, and a failed
                // UNWATCH only leaves a WATCH that the next EXEC or reconnect clears.
                (void)connection.command({"UNWATCH"});
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
