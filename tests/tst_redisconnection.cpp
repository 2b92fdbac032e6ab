#include "TestRedis.h"

#include <QElapsedTimer>
#include <QTest>
#include <QThread>

#include <atomic>
#include <csignal>
#include <thread>

using namespace streamscope;
using namespace streamscope::test;

class TestRedisConnection : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        STREAMSCOPE_START_REDIS(m_server);
        auto admin = connectTo(m_server.settings());
        // An ACL user who may read streams but not write them.
        QCOMPARE(run(*admin, {"ACL", "SETUSER", "reader", "on", ">readerpw", "~*", "+@read",
                              "+@connection", "-@write"})
                     .toDebugString(),
                 QStringLiteral("OK"));
        STREAMSCOPE_START_REDIS(m_protected); // and a server that wants a password
    }

    void commandAndTypes() {
        auto c = connectTo(m_server.settings());
        QCOMPARE(run(*c, {"SET", "k", "v"}).toDebugString(), QStringLiteral("OK"));
        QCOMPARE(run(*c, {"GET", "k"}).bytes(), QByteArray("v"));
        QVERIFY(run(*c, {"GET", "missing"}).isNil());
        QCOMPARE(run(*c, {"INCR", "n"}).integer(), 1);
        const RedisReply list = run(*c, {"MGET", "k", "missing"});
        QVERIFY(list.isArray());
        QCOMPARE(list.size(), size_t(2));
    }

    void serverErrorsAreValues() {
        auto c = connectTo(m_server.settings());
        run(*c, {"SET", "plain", "x"});
        const RedisReply wrongType = run(*c, {"XADD", "plain", "*", "f", "v"});
        QVERIFY(wrongType.isError());
        QCOMPARE(wrongType.errorCode(), QByteArray("WRONGTYPE"));
        // The connection stays usable after an error reply.
        QCOMPARE(run(*c, {"PING"}).toDebugString(), QStringLiteral("PONG"));
        const RedisReply unknown = run(*c, {"NOSUCHCOMMAND"});
        QVERIFY(unknown.errorMessage().contains(QLatin1String("unknown command")));
    }

    void pipelineKeepsOrder() {
        auto c = connectTo(m_server.settings());
        QList<Command> commands;
        for (int i = 0; i < 500; ++i)
            commands.append({"ECHO", QByteArray::number(i)});
        auto replies = c->pipeline(commands);
        QVERIFY(replies.ok());
        QCOMPARE(replies->size(), size_t(500));
        for (int i = 0; i < 500; ++i)
            QCOMPARE(replies.value()[size_t(i)].bytes(), QByteArray::number(i));
    }

    void aclUserAndNoperm() {
        ConnectionSettings s = m_server.settings();
        s.user = QStringLiteral("reader");
        s.password = QStringLiteral("readerpw");
        auto c = connectTo(s);
        const RedisReply denied = run(*c, {"XADD", "s", "*", "f", "v"});
        QCOMPARE(denied.errorCode(), QByteArray("NOPERM"));
        QVERIFY(run(*c, {"XLEN", "s"}).isInteger());
    }

    void wrongPassword() {
        ConnectionSettings s = m_server.settings();
        s.user = QStringLiteral("reader");
        s.password = QStringLiteral("wrong");
        RedisConnection c(s);
        const Error e = c.open();
        QCOMPARE(e.kind, Error::Kind::Auth);
        QVERIFY2(e.message.contains(QLatin1String("WRONGPASS")), qPrintable(e.message));
        QVERIFY(e.message.contains(QLatin1String("reader")));
        QVERIFY(!c.isOpen());
    }

    void passwordRequired() {
        RedisConnection c(m_protected.settings());
        const Error e = c.open();
        QCOMPARE(e.kind, Error::Kind::Auth);
        QVERIFY2(e.message.contains(QLatin1String("requires a password")), qPrintable(e.message));

        ConnectionSettings s = m_protected.settings();
        s.password = QStringLiteral("s3cret");
        auto ok = connectTo(s);
        QCOMPARE(run(*ok, {"PING"}).toDebugString(), QStringLiteral("PONG"));
    }

    void selectAndClientName() {
        ConnectionSettings s = m_server.settings();
        s.db = 3;
        s.clientName = QStringLiteral("streamscope-test");
        auto c = connectTo(s);
        run(*c, {"SET", "in-db-3", "1"});
        auto other = connectTo(m_server.settings());
        QVERIFY(run(*other, {"GET", "in-db-3"}).isNil());
        QVERIFY(run(*other, {"CLIENT", "LIST"}).bytes().contains("name=streamscope-test"));

        s.db = 99;
        RedisConnection bad(s);
        const Error e = bad.open();
        QCOMPARE(e.kind, Error::Kind::Server);
        QVERIFY2(e.message.contains(QLatin1String("database 99")), qPrintable(e.message));
    }

    void unixSocket() {
        auto s = ConnectionSettings::fromUrl(QStringLiteral("unix://") + m_server.socketPath());
        QVERIFY(s.ok());
        auto c = connectTo(s.value());
        QCOMPARE(run(*c, {"PING"}).toDebugString(), QStringLiteral("PONG"));
    }

    void binaryAndHugeValues() {
        auto c = connectTo(m_server.settings());
        QByteArray binary;
        for (int i = 0; i < 256; ++i)
            binary.append(char(i));
        run(*c, {"SET", "bin", binary});
        QCOMPARE(run(*c, {"GET", "bin"}).bytes(), binary);

        QByteArray huge(16 * 1024 * 1024, 'h');
        huge[12345] = '\0';
        run(*c, {"SET", "huge", huge});
        QCOMPARE(run(*c, {"GET", "huge"}).bytes(), huge);
    }

    void refusedConnection() {
        ConnectionSettings s;
        s.port = LocalRedisServer::freePort();
        RedisConnection c(s);
        const Error e = c.open();
        QCOMPARE(e.kind, Error::Kind::Connect);
        QVERIFY2(e.message.contains(QString::number(s.port)), qPrintable(e.message));
    }

    void serverDiesMidRead() {
        LocalRedisServer doomed;
        STREAMSCOPE_START_REDIS(doomed);
        auto c = connectTo(doomed.settings());
        std::thread killer([&] {
            QThread::msleep(200);
            ::kill(pid_t(doomed.processId()), SIGKILL);
        });
        auto reply = c->command({"BLPOP", "never", "0"}, 10000);
        killer.join();
        QVERIFY(!reply.ok());
        QCOMPARE(reply.error().kind, Error::Kind::Io);
        QVERIFY(!c->isOpen());
        // And a command on the dead connection says so instead of hanging.
        auto again = c->command({"PING"});
        QCOMPARE(again.error().kind, Error::Kind::Io);
    }

    void cancelEndsABlockingCommandPromptly() {
        auto c = connectTo(m_server.settings());
        std::atomic<bool> cancel{false};
        c->setCancelFlag(&cancel);
        std::thread canceller([&] {
            QThread::msleep(100);
            cancel = true;
        });
        QElapsedTimer clock;
        clock.start();
        auto reply = c->command({"BLPOP", "never", "30"}, 60000);
        canceller.join();
        QCOMPARE(reply.error().kind, Error::Kind::Cancelled);
        QVERIFY(clock.elapsed() < 20000); // far from the 30 s BLOCK: it did not wait it out
    }

    void timeout() {
        ConnectionSettings s = m_server.settings();
        s.commandTimeoutMs = 200;
        auto c = connectTo(s);
        auto reply = c->command({"BLPOP", "never", "5"});
        QCOMPARE(reply.error().kind, Error::Kind::Timeout);
    }

private:
    LocalRedisServer m_server;
    LocalRedisServer m_protected{LocalRedisServer::Options{
        false, {QStringLiteral("--requirepass"), QStringLiteral("s3cret")}, 0}};
};

QTEST_GUILESS_MAIN(TestRedisConnection)
#include "tst_redisconnection.moc"
