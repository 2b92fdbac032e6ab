#include "PublishOnce.h"

namespace streamscope::shop {

namespace {
const char script[] = R"lua(
local id = redis.call('GET', KEYS[2])
if not id then
  id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))
  redis.call('SET', KEYS[2], id, 'EX', 604800)
end
if ARGV[1] ~= '' then
  redis.call('XACK', ARGV[1], ARGV[2], ARGV[3])
end
return id
)lua";
} // namespace

Error PublishOnce::load(RedisClient &connection) {
    auto reply = connection.command({"SCRIPT", "LOAD", script});
    if (!reply.ok())
        return reply.error();
    if (reply->isError())
        return Error(Error::Kind::Server,
                     QStringLiteral("SCRIPT LOAD failed: %1").arg(reply->errorMessage()));
    m_sha = reply->bytes();
    return {};
}

Result<std::vector<RedisReply>> PublishOnce::run(RedisClient &connection,
                                                 const QList<Request> &batch) {
    QList<Command> commands;
    for (const Request &r : batch) {
        Command c{"EVALSHA", m_sha, "2", r.stream, r.marker, r.ackStream, r.ackGroup, r.ackId};
        c.append(r.fields);
        commands.append(c);
    }
    auto replies = connection.pipeline(commands);
    if (!replies.ok())
        return replies;
    // The server forgot the script (restarted, SCRIPT FLUSH): load it and run those again.
    QList<qsizetype> again;
    for (size_t i = 0; i < replies->size(); ++i)
        if (replies.value()[i].errorCode() == "NOSCRIPT")
            again.append(qsizetype(i));
    if (!again.isEmpty()) {
        if (Error e = load(connection))
            return e;
        QList<Request> retry;
        for (qsizetype i : again)
            retry.append(batch.at(i));
        auto second = run(connection, retry);
        if (!second.ok())
            return second;
        for (qsizetype k = 0; k < again.size(); ++k)
            replies.value()[size_t(again.at(k))] = second.value()[size_t(k)];
    }
    return replies;
}

} // namespace streamscope::shop
