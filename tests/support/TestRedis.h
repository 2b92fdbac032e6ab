#pragma once

// Test fixture helpers: a real redis-server per test class, started on a free loopback port in
// a temporary directory. A test that needs Redis never skips: when the server cannot start, it
// fails and says why.

#include "LocalRedisServer.h"
#include "RedisConnection.h"

#include <QTest>

#include <memory>

namespace streamscope::test {

// Starts a server or fails the calling test function with the reason.
#define STREAMSCOPE_START_REDIS(server)                                                            \
    do {                                                                                           \
        const streamscope::Error startError_ = (server).start();                                   \
        if (startError_)                                                                           \
            QFAIL(                                                                                 \
                qPrintable(QStringLiteral("cannot start redis-server: ") + startError_.message));  \
    } while (false)

// An open connection to the server, or a failed test.
std::unique_ptr<RedisConnection> connectTo(const ConnectionSettings &settings);

// Runs a command and returns the reply; fails the test (via QTest::qFail) on a transport error.
RedisReply run(RedisConnection &connection, const Command &command);

// How many times the server has run command (INFO commandstats calls; 0 when never).
qint64 commandCalls(RedisConnection &connection, const QByteArray &command);

// XADDs count entries {seq: first.., payload} to stream in one pipeline.
void addEntries(RedisConnection &connection, const QByteArray &stream, int first, int count);

} // namespace streamscope::test
