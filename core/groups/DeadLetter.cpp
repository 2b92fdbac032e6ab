#include "DeadLetter.h"

namespace streamscope {

Result<QByteArray> deadLetter(RedisConnection &connection, const DeadLetterRequest &r) {
    const QByteArray target = r.target.isEmpty() ? r.stream + ":dlq" : r.target;
    Command add{"XADD",
                target,
                "*",
                "dlq.stream",
                r.stream,
                "dlq.id",
                r.entry.id.toByteArray(),
                "dlq.group",
                r.group,
                "dlq.consumer",
                r.consumer,
                "dlq.deliveries",
                QByteArray::number(r.deliveries),
                "dlq.reason",
                r.reason.toUtf8()};
    add.append(r.entry.fields());
    auto replies = connection.pipeline(
        {{"MULTI"}, add, {"XACK", r.stream, r.group, r.entry.id.toByteArray()}, {"EXEC"}});
    if (!replies.ok())
        return replies.error();
    const RedisReply &exec = replies.value().back();
    for (const RedisReply &reply : replies.value())
        if (reply.isError())
            return Error(Error::Kind::Server,
                         QStringLiteral("dead-lettering %1 failed: %2")
                             .arg(r.entry.id.toString(), reply.errorMessage()));
    if (!exec.isArray() || exec.size() != 2)
        return Error(Error::Kind::Server,
                     QStringLiteral("dead-lettering %1: the transaction was aborted")
                         .arg(r.entry.id.toString()));
    if (exec.at(0).isError())
        return Error(Error::Kind::Server,
                     QStringLiteral("dead-lettering %1 failed: %2")
                         .arg(r.entry.id.toString(), exec.at(0).errorMessage()));
    return exec.at(0).bytes();
}

} // namespace streamscope
