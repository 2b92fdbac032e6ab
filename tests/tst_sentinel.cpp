// Redis Sentinel against real processes (LocalRedisSentinel: one primary, one replica, three
// sentinels, started once for the executable): connecting by URL and by flags, what is said when
// the master's name is unknown or no sentinel answers, one sentinel of three down, a sentinel's
// port given as a data server, a write after SENTINEL FAILOVER (periodic question and READONLY),
// and a tail through a failover: every entry once, in order, except those the failover lost,
// which are reported.

#include "ConnectionOptions.h"
#include "LocalRedisSentinel.h"
#include "SentinelClient.h"
#include "ServiceProcess.h"
#include "StreamTailer.h"
#include "TestRedis.h"

#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QProcess>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <thread>

using namespace streamscope;

namespace {

LocalRedisSentinel *s_sentinel = nullptr;

std::unique_ptr<SentinelClient> openSentinel(const ConnectionSettings &settings) {
    auto client = std::make_unique<SentinelClient>(settings);
    const Error e = client->open();
    if (e) {
        QTest::qFail(qPrintable(e.message), __FILE__, __LINE__);
        return nullptr;
    }
    return client;
}

QString endpointOf(int server) {
    return QStringLiteral("127.0.0.1:%1").arg(s_sentinel->server(server).port());
}

// A direct connection to a data server.
RedisReply runOn(int server, const Command &command) {
    auto connection = test::connectTo(s_sentinel->server(server).settings());
    return test::run(*connection, command);
}

struct CliResult {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

CliResult cli(const QStringList &args) {
    QProcess p;
    p.start(test::binDir() + QStringLiteral("/streamscope-cli"), args);
    CliResult r;
    if (!p.waitForFinished(30000))
        return r;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace

class TestSentinel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        registerCoreMetaTypes();
        m_fixture = std::make_unique<LocalRedisSentinel>();
        QElapsedTimer clock;
        clock.start();
        const Error e = m_fixture->start();
        QVERIFY2(!e,
                 qPrintable(QStringLiteral("cannot start the Sentinel deployment: ") + e.message));
        s_sentinel = m_fixture.get();
        qInfo("1 primary, 1 replica and 3 sentinels up in %lld ms", clock.elapsed());
    }
    void cleanupTestCase() {
        s_sentinel = nullptr;
        m_fixture.reset();
    }

    // By URL: the client finds the primary, says it is one server through Sentinel, and
    // commands go there. The time to connect (median of 20) is printed.
    void connectsByUrl() {
        const int primary = m_fixture->primaryIndex();
        QVERIFY(primary >= 0);
        auto settings = ConnectionSettings::fromUrl(m_fixture->url());
        QVERIFY2(settings.ok(), qPrintable(settings.error().message));
        auto client = openClient(settings.value());
        QVERIFY2(client.ok(), qPrintable(client.error().message));
        RedisClient &c = *client.value();
        QCOMPARE(c.topology(), RedisClient::Topology::Sentinel);
        QCOMPARE(c.primaries(), QStringList{endpointOf(primary)});
        const QList<RedisClient::Node> nodes = c.nodes();
        QVERIFY(std::any_of(nodes.begin(), nodes.end(), [&](const RedisClient::Node &n) {
            return !n.primary && n.endpoint == endpointOf(1 - primary);
        }));
        auto set = c.command({"SET", "sentinel:url", "1"});
        QVERIFY(set.ok() && !set->isError());
        QCOMPARE(runOn(primary, {"GET", "sentinel:url"}).bytes(), QByteArray("1"));
        auto info = c.commandOn(endpointOf(primary), {"DBSIZE"});
        QVERIFY(info.ok() && !info->isError());

        std::vector<qint64> micros;
        for (int i = 0; i < 20; ++i) {
            QElapsedTimer clock;
            clock.start();
            auto again = openClient(settings.value());
            QVERIFY2(again.ok(), qPrintable(again.error().message));
            micros.push_back(clock.nsecsElapsed() / 1000);
        }
        std::sort(micros.begin(), micros.end());
        qInfo("connect through Sentinel (ask a sentinel, connect, ROLE, SENTINEL REPLICAS): "
              "median %.2f ms, max %.2f ms over 20",
              double(micros[10]) / 1000.0, double(micros.back()) / 1000.0);
    }

    // --sentinel (repeatable) and --master, in the CLI and through the shared options.
    void connectsByFlags() {
        QCommandLineParser parser;
        parser.addOptions(ConnectionOptions::options(ConnectionOptions::Letters::LongOnly));
        QStringList args{QStringLiteral("service")};
        for (int i = 0; i < LocalRedisSentinel::sentinelCount; ++i)
            args << QStringLiteral("--sentinel")
                 << QStringLiteral("127.0.0.1:%1").arg(m_fixture->sentinelPort(i));
        args << QStringLiteral("--master") << m_fixture->masterName();
        QVERIFY(parser.parse(args));
        auto settings =
            ConnectionOptions::settingsFrom(parser, ConnectionOptions::Letters::LongOnly);
        QVERIFY2(settings.ok(), qPrintable(settings.error().message));
        QCOMPARE(settings->sentinel.sentinels.size(), 3);
        auto client = openSentinel(settings.value());
        QVERIFY(client);
        QCOMPARE(client->primaryEndpoint(), endpointOf(m_fixture->primaryIndex()));

        const CliResult published =
            cli(args.mid(1)
                + QStringList{QStringLiteral("publish"), QStringLiteral("flags"),
                              QStringLiteral("via=cli")});
        QVERIFY2(published.exitCode == 0, published.err.constData());
        QCOMPARE(runOn(m_fixture->primaryIndex(), {"XLEN", "flags"}).integer(), 1);
    }

    // A name no sentinel knows: said, with the names they do know (CLI: exit 2, usage).
    void unknownMasterName() {
        ConnectionSettings settings = m_fixture->settings();
        settings.sentinel.masterName = QStringLiteral("nosuchmaster");
        SentinelClient client(settings);
        const Error e = client.open();
        QCOMPARE(e.kind, Error::Kind::InvalidArgument);
        QVERIFY2(e.message.contains(QLatin1String("no master \"nosuchmaster\" is known")),
                 qPrintable(e.message));
        QVERIFY2(e.message.contains(QLatin1String("They know: mymaster")), qPrintable(e.message));

        const CliResult r = cli({QStringLiteral("--url"),
                                 QStringLiteral("redis+sentinel://127.0.0.1:%1/nosuchmaster")
                                     .arg(m_fixture->sentinelPort(0)),
                                 QStringLiteral("streams")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("They know: mymaster"), r.err.constData());
    }

    // No sentinel answers: each is named with why (connection refused), exit 3 in the CLI.
    void noSentinelReachable() {
        const quint16 a = LocalRedisServer::freePort();
        const quint16 b = LocalRedisServer::freePort();
        auto settings = ConnectionSettings::fromUrl(
            QStringLiteral("redis+sentinel://127.0.0.1:%1,127.0.0.1:%2/mymaster").arg(a).arg(b));
        QVERIFY(settings.ok());
        SentinelClient client(settings.value());
        const Error e = client.open();
        QCOMPARE(e.kind, Error::Kind::Connect);
        QVERIFY2(
            e.message.startsWith(QLatin1String("no sentinel answered for master \"mymaster\"")),
            qPrintable(e.message));
        for (quint16 port : {a, b})
            QVERIFY2(e.message.contains(
                         QStringLiteral("sentinel 127.0.0.1:%1: could not connect").arg(port)),
                     qPrintable(e.message));
        QVERIFY2(e.message.contains(QLatin1String("refused")), qPrintable(e.message));

        const CliResult r = cli({QStringLiteral("--sentinel"),
                                 QStringLiteral("127.0.0.1:%1").arg(a), QStringLiteral("--master"),
                                 QStringLiteral("mymaster"), QStringLiteral("streams")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("no sentinel answered"), r.err.constData());
    }

    // The first sentinel of three is down: the next one answers.
    void oneSentinelDown() {
        m_fixture->killSentinel(0);
        auto restart = qScopeGuard([&] { QVERIFY(!m_fixture->startSentinel(0)); });
        auto client = openSentinel(m_fixture->settings());
        QVERIFY(client);
        QCOMPARE(client->primaryEndpoint(), endpointOf(m_fixture->primaryIndex()));
        auto pong = client->command({"PING"});
        QVERIFY(pong.ok());
        QCOMPARE(pong->bytes(), QByteArray("PONG"));
    }

    // A sentinel's port given as redis://: refused with what to connect with instead (it
    // answered INFO and looked like an empty server before: "live" with nothing).
    void sentinelPortAsDataServerIsRefused() {
        const QString at = QStringLiteral("127.0.0.1:%1").arg(m_fixture->sentinelPort(1));
        auto settings = ConnectionSettings::fromUrl(QStringLiteral("redis://") + at);
        QVERIFY(settings.ok());
        auto client = openClient(settings.value());
        QVERIFY(!client.ok());
        QCOMPARE(client.error().kind, Error::Kind::InvalidArgument);
        const QString expected = QStringLiteral("%1 is a Redis Sentinel, not a data server: "
                                                "connect with redis+sentinel://%1/mymaster")
                                     .arg(at);
        QVERIFY2(client.error().message.startsWith(expected), qPrintable(client.error().message));
        QVERIFY2(client.error().message.contains(QLatin1String("it knows one master: mymaster")),
                 qPrintable(client.error().message));

        const CliResult r = cli(
            {QStringLiteral("--url"), QStringLiteral("redis://") + at, QStringLiteral("streams")});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.contains(expected.toUtf8()), r.err.constData());
    }

    // A service given what retrying cannot fix (a sentinel's port as a data server, a master
    // the sentinels do not know) stops with the message instead of retrying for ever.
    void serviceStopsOnFinalErrors_data() {
        QTest::addColumn<QStringList>("connection");
        QTest::addColumn<QString>("says");
        const QString sentinel = QStringLiteral("127.0.0.1:%1").arg(m_fixture->sentinelPort(1));
        QTest::newRow("sentinel port")
            << QStringList{QStringLiteral("--url"), QStringLiteral("redis://") + sentinel}
            << "is a Redis Sentinel, not a data server";
        QTest::newRow("unknown master")
            << QStringList{QStringLiteral("--sentinel"), sentinel, QStringLiteral("--master"),
                           QStringLiteral("orders")}
            << "no master \"orders\" is known to the sentinels";
    }
    void serviceStopsOnFinalErrors() {
        QFETCH(QStringList, connection);
        QFETCH(QString, says);
        QTemporaryDir dir;
        test::ServiceProcess service(QStringLiteral("payment-service"),
                                     connection
                                         + QStringList{QStringLiteral("--consumer"),
                                                       QStringLiteral("p1"), QStringLiteral("--db"),
                                                       dir.filePath(QStringLiteral("payments.db"))},
                                     dir.filePath(QStringLiteral("payment.log")));
        QVERIFY(service.start());
        QTRY_VERIFY_WITH_TIMEOUT(!service.running(), 10000);
        QCOMPARE(service.exitCode(), 1);
        QVERIFY2(service.log().contains(says), qPrintable(service.log()));
    }

    // SENTINEL FAILOVER while writing: the client moves to the new primary by itself (it asks
    // the sentinels every second: the old primary would take writes for ~10 s more and then
    // drop them). The time from SENTINEL FAILOVER to the first write on the new primary is
    // printed. A client that asks only on errors gets READONLY once the old primary is a
    // replica, and its write is sent again to the new one (it was not applied).
    void writeAfterFailoverGoesToTheNewPrimary() {
        QVERIFY(!m_fixture->waitForReplica());
        const int before = m_fixture->primaryIndex();
        QVERIFY(before >= 0);
        auto writer = openSentinel(m_fixture->settings());
        QVERIFY(writer);
        auto lazy = openSentinel(m_fixture->settings());
        QVERIFY(lazy);
        lazy->setRecheckIntervalMs(0);
        QCOMPARE(writer->primaryEndpoint(), endpointOf(before));

        QElapsedTimer clock;
        clock.start();
        auto started = test::run(*test::connectTo([&] {
            ConnectionSettings s;
            s.port = m_fixture->sentinelPort(0);
            return s;
        }()),
                                 {"SENTINEL", "FAILOVER", "mymaster"});
        QVERIFY2(!started.isError(), qPrintable(started.errorMessage()));
        qint64 followedMs = -1;
        for (int n = 0; clock.elapsed() < 20000; ++n) {
            auto added = writer->command({"XADD", "moves", "*", "n", QByteArray::number(n)});
            QVERIFY2(added.ok(), qPrintable(added.error().message));
            QVERIFY2(!added->isError(), qPrintable(added->errorMessage()));
            if (writer->primaryEndpoint() == endpointOf(1 - before)) {
                followedMs = clock.elapsed();
                break;
            }
            QTest::qWait(10);
        }
        QVERIFY2(followedMs >= 0, "the writer did not move to the new primary within 20 s");
        QCOMPARE(writer->failovers(), qint64(1));
        QCOMPARE(writer->previousPrimary(), endpointOf(before));
        QCOMPARE(runOn(1 - before, {"ROLE"}).at(0).bytes(), QByteArray("master"));
        qInfo("followed SENTINEL FAILOVER: first write on the new primary %lld ms after it",
              followedMs);

        // The lazy client is still on the old primary. Made a replica of the new one (as the
        // sentinels do ~10 s later, here without their CLIENT KILL), it answers the write with
        // READONLY: the write was not applied and goes to the new primary.
        QCOMPARE(lazy->primaryEndpoint(), endpointOf(before));
        const QByteArray newPort = QByteArray::number(m_fixture->server(1 - before).port());
        QCOMPARE(runOn(before, {"REPLICAOF", "127.0.0.1", newPort}).bytes(), QByteArray("OK"));
        QCOMPARE(runOn(before, {"SET", "sentinel:late", "no"}).errorCode(), QByteArray("READONLY"));
        auto late = lazy->command({"SET", "sentinel:late", "yes"});
        QVERIFY2(late.ok(), qPrintable(late.error().message));
        QVERIFY2(!late->isError(), qPrintable(late->errorMessage()));
        QCOMPARE(lazy->primaryEndpoint(), endpointOf(1 - before));
        QCOMPARE(runOn(1 - before, {"GET", "sentinel:late"}).bytes(), QByteArray("yes"));
        // The old primary's endpoint is refused by commandOn, naming the new one.
        auto old = lazy->commandOn(endpointOf(before), {"DBSIZE"});
        QVERIFY(!old.ok());
        QVERIFY2(old.error().message.contains(QLatin1String("failed over to")),
                 qPrintable(old.error().message));

        // When the sentinels reconfigure the old primary they close its clients: a read lost
        // that way is sent again on the new primary.
        auto reader = std::make_unique<SentinelClient>(m_fixture->settings());
        QVERIFY(!reader->open());
        QCOMPARE(reader->primaryEndpoint(), endpointOf(1 - before));
    }

    // A tail through SENTINEL FAILOVER while a publisher adds numbered entries (WAIT 1 after
    // each): the tail's output is the new primary's stream, each entry once and in order, after
    // removing what it reported as lost in the failover; entries a replica confirmed are never
    // among the lost.
    void tailThroughFailover() {
        QVERIFY(!m_fixture->waitForReplica());
        const QByteArray stream = "numbers";
        StreamTailer::Options options;
        options.blockMs = 200;
        TailController controller(m_fixture->settings(), options);
        StreamTailer *tailer = controller.tailer();
        StreamEntryList delivered;
        QList<TailReset> resets;
        QList<TailGap> gaps;
        QStringList changes;
        connect(tailer, &StreamTailer::entriesReceived, this,
                [&](const StreamEntryList &batch) { delivered.append(batch); });
        connect(tailer, &StreamTailer::streamReset, this,
                [&](const TailReset &r) { resets.append(r); });
        connect(tailer, &StreamTailer::gapDetected, this,
                [&](const TailGap &g) { gaps.append(g); });
        connect(tailer, &StreamTailer::topologyChanged, this,
                [&](const QString &m) { changes.append(m); });
        // Where each delivered entry stood when a lost range was reported: only entries
        // delivered before the report can be in it.
        QList<qsizetype> deliveredAtReset;
        connect(tailer, &StreamTailer::streamReset, this,
                [&](const TailReset &) { deliveredAtReset.append(delivered.size()); });
        tailer->addStream(stream, "0");
        controller.start();

        std::atomic<bool> stop{false};
        std::atomic<int> published{0};
        QSet<int> unconfirmed; // written only from the publisher thread, read after join
        QString publisherError;
        std::thread publisher([&] {
            SentinelClient client(m_fixture->settings());
            if (Error e = client.open()) {
                publisherError = e.message;
                return;
            }
            for (int n = 1; !stop; ++n) {
                auto added = client.pipeline(
                    {{"XADD", stream, "*", "n", QByteArray::number(n)}, {"WAIT", "1", "100"}});
                if (!added.ok()) {
                    // Lost with the connection: may or may not have been written.
                    unconfirmed.insert(n);
                    if (!client.isOpen())
                        (void)client.open();
                    continue;
                }
                if (added.value()[0].isError()) {
                    publisherError = added.value()[0].errorMessage();
                    return;
                }
                if (added.value()[1].integer() < 1)
                    unconfirmed.insert(n);
                published = n;
                QThread::msleep(5);
            }
        });
        auto joinPublisher = qScopeGuard([&] {
            stop = true;
            publisher.join();
        });

        QTRY_VERIFY_WITH_TIMEOUT(published >= 100, 10000);
        const int primaryBefore = m_fixture->primaryIndex();
        const Error failed = m_fixture->failover();
        QVERIFY2(!failed, qPrintable(failed.message));
        const int atMove = published;
        QTRY_VERIFY_WITH_TIMEOUT(published >= atMove + 100, 20000);
        stop = true;
        joinPublisher.dismiss();
        publisher.join();
        QVERIFY2(publisherError.isEmpty(), qPrintable(publisherError));
        QCOMPARE(m_fixture->primaryIndex(), 1 - primaryBefore);

        // The new primary's stream is the truth; the tail reaches its end.
        StreamEntryList truth;
        {
            auto c = test::connectTo(m_fixture->server(1 - primaryBefore).settings());
            auto reply = c->commandEntries({"XRANGE", stream, "-", "+"}, 0, &truth, -1, stream);
            QVERIFY(reply.ok());
        }
        QVERIFY(!truth.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!delivered.isEmpty() && delivered.last().id == truth.last().id,
                                 10000);
        QVERIFY2(gaps.isEmpty(), qPrintable(gaps.value(0).describe()));

        // Remove what the tail reported lost: entries delivered before the report, in the
        // range it names.
        StreamEntryList surviving;
        QList<int> lost;
        for (qsizetype i = 0; i < delivered.size(); ++i) {
            const StreamEntry &e = delivered.at(i);
            bool isLost = false;
            for (qsizetype r = 0; r < resets.size(); ++r) {
                QVERIFY2(resets.at(r).lostInFailover, qPrintable(resets.at(r).describe()));
                isLost = isLost
                         || (i < deliveredAtReset.at(r) && e.id > resets.at(r).continuedAfter
                             && e.id <= resets.at(r).lastSeenId);
            }
            if (isLost)
                lost << e.value("n").toInt();
            else
                surviving.append(e);
        }
        QCOMPARE(surviving.size(), truth.size());
        for (qsizetype i = 0; i < truth.size(); ++i) {
            QCOMPARE(surviving.at(i).id, truth.at(i).id);
            QCOMPARE(surviving.at(i).value("n"), truth.at(i).value("n"));
        }
        for (int n : lost)
            QVERIFY2(unconfirmed.contains(n),
                     qPrintable(QStringLiteral("entry %1 was confirmed by a replica (WAIT 1) "
                                               "but lost")
                                    .arg(n)));
        // And it said so.
        QVERIFY(!changes.isEmpty());
        qInfo("tail: \"%s\"", qPrintable(changes.first()));
        qInfo("tail through a failover: %lld entries delivered, %lld on the new primary, %lld "
              "reported lost (%lld written without a replica's confirmation)",
              qint64(delivered.size()), qint64(truth.size()), qint64(lost.size()),
              qint64(unconfirmed.size()));
        for (const TailReset &r : resets)
            qInfo("  %s", qPrintable(r.describe()));
    }

    // The sentinels name a server that answers ROLE as a replica (made one by hand here, as the
    // old primary is during a failover before they notice): open() does not take it for the
    // primary, asks again every 200 ms within the connect timeout, then says what it found.
    void namedReplicaIsNotTakenForThePrimary() {
        const int primary = m_fixture->primaryIndex();
        QVERIFY(primary >= 0);
        QCOMPARE(runOn(primary, {"REPLICAOF", "127.0.0.1", "1"}).bytes(), QByteArray("OK"));
        auto restore = qScopeGuard([&] { runOn(primary, {"REPLICAOF", "NO", "ONE"}); });
        ConnectionSettings settings = m_fixture->settings();
        settings.connectTimeoutMs = 1000;
        SentinelClient client(settings);
        QElapsedTimer clock;
        clock.start();
        const Error e = client.open();
        QVERIFY(e);
        QVERIFY2(clock.elapsed() >= 800, qPrintable(QString::number(clock.elapsed())));
        QVERIFY2(e.message.contains(QStringLiteral("names %1, which is a replica (a failover "
                                                   "under way?)")
                                        .arg(endpointOf(primary))),
                 qPrintable(e.message));
        QVERIFY(!client.isOpen());
        qInfo("%s", qPrintable(e.message));
    }

    // Last: a sentinel resumed after SIGSTOP goes into TILT mode for 30 s and makes no failover.
    // The sentinel asked first hangs (SIGSTOP: connections accepted, nothing answered): a
    // connect moves on to the next one after a short timeout, and the question asked every
    // second before a command holds that command up at most about as long, once.
    void hangingSentinelIsSkipped() {
        auto client = openSentinel(m_fixture->settings());
        QVERIFY(client);
        m_fixture->freezeSentinel(0, true);
        auto thaw = qScopeGuard([&] { m_fixture->freezeSentinel(0, false); });
        QElapsedTimer clock;
        clock.start();
        auto other = openSentinel(m_fixture->settings());
        QVERIFY(other);
        const qint64 connectMs = clock.elapsed();
        QVERIFY2(connectMs < 3 * SentinelClient::sentinelTimeoutMs,
                 qPrintable(QString::number(connectMs)));
        qint64 slowest = 0;
        clock.start();
        while (clock.elapsed() < 3500) {
            QElapsedTimer one;
            one.start();
            auto pong = client->command({"PING"});
            QVERIFY2(pong.ok(), qPrintable(pong.error().message));
            slowest = qMax(slowest, one.elapsed());
            QTest::qWait(50);
        }
        QVERIFY2(slowest < 2 * SentinelClient::sentinelTimeoutMs,
                 qPrintable(QString::number(slowest)));
        qInfo("a hanging sentinel: connect %lld ms, slowest command %lld ms", connectMs, slowest);
    }

private:
    std::unique_ptr<LocalRedisSentinel> m_fixture;
};

QTEST_GUILESS_MAIN(TestSentinel)
#include "tst_sentinel.moc"
