#include "TestRedis.h"

namespace streamscope::test {

std::unique_ptr<RedisConnection> connectTo(const ConnectionSettings &settings) {
    auto connection = std::make_unique<RedisConnection>(settings);
    if (const Error e = connection->open())
        QTest::qFail(qPrintable(QStringLiteral("cannot connect to the test server: ") + e.message),
                     __FILE__, __LINE__);
    return connection;
}

RedisReply run(RedisConnection &connection, const Command &command) {
    auto reply = connection.command(command);
    if (!reply.ok()) {
        QTest::qFail(
            qPrintable(QStringLiteral("%1 failed: %2")
                           .arg(QString::fromUtf8(command.value(0)), reply.error().message)),
            __FILE__, __LINE__);
        return {};
    }
    return reply.value();
}

void addEntries(RedisConnection &connection, const QByteArray &stream, int first, int count) {
    QList<Command> commands;
    for (int i = first; i < first + count; ++i)
        commands.append({"XADD", stream, "*", "seq", QByteArray::number(i), "payload", "x"});
    auto replies = connection.pipeline(commands);
    if (!replies.ok())
        QTest::qFail(qPrintable(replies.error().message), __FILE__, __LINE__);
}

} // namespace streamscope::test

namespace streamscope::test {

qint64 commandCalls(RedisConnection &connection, const QByteArray &command) {
    const QByteArray stats = run(connection, {"INFO", "commandstats"}).bytes();
    const QByteArray key = "cmdstat_" + command.toLower() + ":calls=";
    const qsizetype at = stats.indexOf(key);
    if (at < 0)
        return 0;
    const qsizetype from = at + key.size();
    return stats.mid(from, stats.indexOf(',', from) - from).toLongLong();
}

} // namespace streamscope::test
