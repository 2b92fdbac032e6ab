// StreamTailer and `streamscope-cli tail` on a real 3-primary, 3-replica Redis Cluster on loopback
// (LocalRedisCluster, started once for the executable): streams on every shard in time order,
// the latency and cost at rest, and the tail through CLUSTER FAILOVER and through SIGKILL of a
// primary: nothing missed, nothing twice, the failover named.

#include "ClusterClient.h"
#include "ClusterSlots.h"
#include "LocalRedisCluster.h"
#include "StreamTailer.h"
#include "TestCluster.h"
#include "TestRedis.h"

#include <QElapsedTimer>
#include <QFile>
#include <QMutex>
#include <QProcess>
#include <QScopeGuard>
#include <QTest>

#include <atomic>
#include <csignal>
#include <thread>

#include <sys/types.h>

using namespace streamscope;
using namespace streamscope::test;

namespace {

LocalRedisCluster *s_cluster = nullptr;

std::unique_ptr<ClusterClient> openCluster() {
    return test::openCluster(s_cluster->settings(0));
}

// count keys named prefix:N that the client maps to endpoint, each in a slot of its own.
QList<QByteArray> keysOn(const ClusterClient &client, const QString &endpoint,
                         const QByteArray &prefix, int count) {
    QList<QByteArray> keys;
    QSet<int> slots;
    for (int i = 0; i < 100000 && keys.size() < count; ++i) {
        const QByteArray key = prefix + ':' + QByteArray::number(i);
        const int slot = cluster::keySlot(key);
        if (client.endpointForSlot(slot) == endpoint && !slots.contains(slot)) {
            slots.insert(slot);
            keys << key;
        }
    }
    return keys;
}

int nodeIndex(const QString &endpoint) {
    for (int i = 0; i < s_cluster->size(); ++i)
        if (endpoint.endsWith(QStringLiteral(":%1").arg(s_cluster->node(i).port())))
            return i;
    return -1;
}

QString replicaOf(const ClusterClient &client, const QString &primary) {
    QString id;
    for (const RedisClient::Node &n : client.nodes())
        if (n.endpoint == primary)
            id = n.id;
    for (const RedisClient::Node &n : client.nodes())
        if (!n.primary && n.primaryId == id && n.reachable)
            return n.endpoint;
    return {};
}

RedisReply runOn(const QString &endpoint, const Command &command) {
    ConnectionSettings s = s_cluster->settings(0);
    const qsizetype colon = endpoint.lastIndexOf(QLatin1Char(':'));
    s.host = endpoint.left(colon);
    s.port = quint16(endpoint.mid(colon + 1).toUInt());
    auto connection = connectTo(s);
    return run(*connection, command);
}

// Receives what a tailer emits, on the test's thread; the time each batch left the tailer is
// taken on the tailer's thread (direct), for the latency.
class Collector : public QObject {
public:
    explicit Collector(StreamTailer *tailer) {
        connect(tailer, &StreamTailer::entriesReceived, this,
                [this](const StreamEntryList &batch) { entries.append(batch); });
        connect(
            tailer, &StreamTailer::entriesReceived, tailer,
            [this](const StreamEntryList &batch) {
                const qint64 at = clock.elapsed();
                QMutexLocker lock(&mutex);
                for (const StreamEntry &e : batch)
                    arrivedAt.insert(e.stream + ' ' + e.value("n"), at);
            },
            Qt::DirectConnection);
        connect(tailer, &StreamTailer::streamReset, this,
                [this](const TailReset &reset) { resets.append(reset); });
        connect(tailer, &StreamTailer::gapDetected, this,
                [this](const TailGap &gap) { gaps.append(gap); });
        connect(tailer, &StreamTailer::topologyChanged, this,
                [this](const QString &message) { topology.append(message); });
        connect(tailer, &StreamTailer::streamFailed, this,
                [this](const QByteArray &, const QString &message) { failures.append(message); });
        connect(tailer, &StreamTailer::caughtUp, this, [this] { ++caughtUp; });
        connect(tailer, &StreamTailer::stateChanged, this,
                [this](TailState s, const QString &detail) {
                    state = s;
                    if (s == TailState::Reconnecting)
                        reconnecting << detail;
                });
        clock.start();
    }
    // The n field of each entry of stream, in arrival order.
    QList<int> numbers(const QByteArray &stream) const {
        QList<int> out;
        for (const StreamEntry &e : entries)
            if (e.stream == stream)
                out.append(e.value("n").toInt());
        return out;
    }
    qint64 arrival(const QByteArray &key) {
        QMutexLocker lock(&mutex);
        return arrivedAt.value(key, -1);
    }

    QElapsedTimer clock;
    QMutex mutex;
    QHash<QByteArray, qint64> arrivedAt; // "stream n": ms on clock
    StreamEntryList entries;
    QList<TailReset> resets;
    QList<TailGap> gaps;
    QStringList topology;
    QStringList failures;
    int caughtUp = 0;
    TailState state = TailState::Stopped;
    QStringList reconnecting;
};

// Adds numbered entries {n: 0, 1, ...} to streams in turn on its own thread and its own
// client, remembering which the cluster acknowledged; a failed write is not retried (it may
// or may not have been applied), the next number goes on.
class Writer {
public:
    explicit Writer(QList<QByteArray> streams, int first = 0)
        : m_streams(std::move(streams))
        , m_first(first) {}
    ~Writer() { stop(); }
    void start() {
        m_thread = std::thread([this] {
            ClusterClient client(s_cluster->settings(0));
            for (int n = m_first; !m_stop; ++n) {
                if (!client.isOpen() && client.open()) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                    continue;
                }
                const QByteArray stream = m_streams.at(n % m_streams.size());
                auto added =
                    client.command({"XADD", stream, "*", "n", QByteArray::number(n)}, 2000);
                {
                    QMutexLocker lock(&m_mutex);
                    if (added.ok() && added->isString())
                        m_acked[stream].append(n);
                    else
                        ++m_failed;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(3));
            }
        });
    }
    void stop() {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }
    int ackedCount() {
        QMutexLocker lock(&m_mutex);
        int n = 0;
        for (const QList<int> &list : m_acked)
            n += int(list.size());
        return n;
    }
    QList<int> acked(const QByteArray &stream) {
        QMutexLocker lock(&m_mutex);
        return m_acked.value(stream);
    }
    int failed() {
        QMutexLocker lock(&m_mutex);
        return m_failed;
    }

private:
    QList<QByteArray> m_streams;
    int m_first = 0;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    QMutex m_mutex;
    QHash<QByteArray, QList<int>> m_acked;
    int m_failed = 0;
};

// The n field of each entry the cluster holds in stream, in ID order.
QList<int> heldNumbers(ClusterClient &client, const QByteArray &stream) {
    QList<int> out;
    auto range = client.command({"XRANGE", stream, "-", "+"}, 30000);
    if (!range.ok() || !range->isArray())
        return out;
    for (const RedisReply &e : range->elements())
        if (e.size() >= 2 && e.at(1).size() >= 2)
            out.append(e.at(1).at(1).bytes().toInt());
    return out;
}

bool strictlyIncreasing(const QList<int> &values) {
    for (qsizetype i = 1; i < values.size(); ++i)
        if (values.at(i) <= values.at(i - 1))
            return false;
    return true;
}

// CPU time (user + system, microseconds) a server has used so far (INFO cpu).
qint64 cpuMicros(const QString &endpoint) {
    const QByteArray text = runOn(endpoint, {"INFO", "cpu"}).bytes();
    double seconds = 0;
    for (const QByteArray &line : text.split('\n'))
        if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:"))
            seconds += line.mid(line.indexOf(':') + 1).trimmed().toDouble();
    return qint64(seconds * 1e6);
}

// Calls of a command a server has served so far (INFO commandstats), e.g. "xread".
qint64 commandCalls(const QString &endpoint, const QByteArray &command) {
    const QByteArray text = runOn(endpoint, {"INFO", "commandstats"}).bytes();
    const QByteArray key = "cmdstat_" + command + ":calls=";
    const qsizetype at = text.indexOf(key);
    return at < 0 ? 0
                  : text.mid(at + key.size(), text.indexOf(',', at) - at - key.size()).toLongLong();
}

qint64 xreadCalls(const QString &endpoint) {
    return commandCalls(endpoint, "xread");
}

StreamTailer::Options testOptions() {
    StreamTailer::Options o;
    o.count = 20; // several rounds of reads while catching up
    o.statsIntervalMs = 200;
    return o;
}

} // namespace

class TestClusterTail : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void streamsOnEveryShardInTimeOrder();
    void latencyAndCostAtRest_data();
    void latencyAndCostAtRest();
    void restDetectorSeesEveryWrite_data();
    void restDetectorSeesEveryWrite();
    void oneSlotBlocksAndStreamsJoinLater();
    void cliTailAcrossSlots();
    void tailThroughSlotMigration();
    // Last: they change which nodes are primaries, and kill one.
    void tailThroughClusterFailover();
    void tailThroughKilledPrimary();

private:
    std::unique_ptr<LocalRedisCluster> m_cluster;
    QString m_cli;
};

void TestClusterTail::initTestCase() {
    const QString dir = qEnvironmentVariable("STREAMSCOPE_BIN_DIR");
    m_cli = (dir.isEmpty() ? QCoreApplication::applicationDirPath() : dir)
            + QStringLiteral("/streamscope-cli");
    QVERIFY2(QFile::exists(m_cli), qPrintable(m_cli + QStringLiteral(" not built")));
    m_cluster = std::make_unique<LocalRedisCluster>();
    const Error e = m_cluster->start();
    QVERIFY2(!e, qPrintable(QStringLiteral("cannot start the test cluster: ") + e.message));
    s_cluster = m_cluster.get();
}

void TestClusterTail::cleanupTestCase() {
    s_cluster = nullptr;
    m_cluster.reset();
}

void TestClusterTail::streamsOnEveryShardInTimeOrder() {
    auto client = openCluster();
    QList<QByteArray> streams;
    for (const QString &primary : client->primaries())
        streams += keysOn(*client, primary, "order", 2);
    QCOMPARE(streams.size(), 6);
    // A backlog on every shard, numbered per stream, read in rounds of 20 per stream.
    QHash<QByteArray, int> next;
    auto add = [&](int count) {
        for (int i = 0; i < count; ++i) {
            const QByteArray &s = streams.at(i % streams.size());
            QVERIFY(client->command({"XADD", s, "*", "n", QByteArray::number(next[s]++)}).ok());
        }
    };
    add(300);

    TailController controller(s_cluster->settings(0), testOptions());
    Collector got(controller.tailer());
    for (const QByteArray &s : streams)
        controller.tailer()->addStream(s, "0");
    controller.start();
    QTRY_COMPARE_WITH_TIMEOUT(got.entries.size(), 300, 10000);
    QTRY_VERIFY(got.caughtUp >= 1);
    add(300); // and live
    QTRY_COMPARE_WITH_TIMEOUT(got.entries.size(), 600, 10000);

    for (qsizetype i = 1; i < got.entries.size(); ++i)
        QVERIFY2(!(got.entries.at(i).id < got.entries.at(i - 1).id),
                 qPrintable(QStringLiteral("entry %1 (%2 %3) came after %4")
                                .arg(i)
                                .arg(QString::fromUtf8(got.entries.at(i).stream),
                                     got.entries.at(i).id.toString(),
                                     got.entries.at(i - 1).id.toString())));
    for (const QByteArray &s : streams) {
        QList<int> expected;
        for (int n = 0; n < next[s]; ++n)
            expected << n;
        QCOMPARE(got.numbers(s), expected);
    }
    QVERIFY(got.failures.isEmpty());
    QVERIFY(got.topology.isEmpty());
}

void TestClusterTail::latencyAndCostAtRest_data() {
    QTest::addColumn<int>("perNode");
    QTest::newRow("6 streams") << 2;
    QTest::newRow("999 streams") << 333;
}

void TestClusterTail::latencyAndCostAtRest() {
    QFETCH(int, perNode);
    auto client = openCluster();
    QList<QByteArray> streams;
    QList<QByteArray> sampled; // two per node
    for (const QString &primary : client->primaries()) {
        const QList<QByteArray> keys =
            keysOn(*client, primary, "rest" + QByteArray::number(perNode), perNode);
        QCOMPARE(keys.size(), perNode);
        streams += keys;
        sampled += keys.mid(0, 2);
    }
    QList<Command> adds;
    for (const QByteArray &s : streams)
        adds.append({"XADD", s, "*", "n", "-1"});
    QVERIFY(client->pipeline(adds).ok());

    // The server's cost of nobody watching, then of the tail at rest (its reads only).
    auto cpuOfPrimaries = [&] {
        qint64 sum = 0;
        for (const QString &p : client->primaries())
            sum += cpuMicros(p);
        return sum;
    };
    auto xreadsOfPrimaries = [&] {
        qint64 sum = 0;
        for (const QString &p : client->primaries())
            sum += xreadCalls(p);
        return sum;
    };
    auto infosOfPrimaries = [&] {
        qint64 sum = 0;
        for (const QString &p : client->primaries())
            sum += commandCalls(p, "info");
        return sum;
    };
    const int windowMs = perNode > 2 ? 2000 : 3000;
    const qint64 cpuBefore = cpuOfPrimaries();
    QTest::qSleep(windowMs);
    const qint64 cpuNobody = cpuOfPrimaries() - cpuBefore;

    TailController controller(s_cluster->settings(0), testOptions());
    Collector got(controller.tailer());
    for (const QByteArray &s : streams)
        controller.tailer()->addStream(s, "$");
    controller.start();
    QTRY_VERIFY(got.caughtUp >= 1);
    QTest::qWait(1000); // at rest: the pause between rounds has grown to its longest
    const qint64 cpuTailBefore = cpuOfPrimaries();
    const qint64 xreadsBefore = xreadsOfPrimaries();
    const qint64 infosBefore = infosOfPrimaries();
    QTest::qWait(windowMs);
    const qint64 cpuTail = cpuOfPrimaries() - cpuTailBefore;
    const qint64 xreads = xreadsOfPrimaries() - xreadsBefore;
    const qint64 infos = infosOfPrimaries() - infosBefore - 2 * 3; // less this test's own
    // CPU in microseconds over the window: / (window ms * 1000) * 100 = % of a core.
    const double xreadsPerNode = double(xreads) * 1000.0 / windowMs / 3.0;
    const double infosPerNode = double(infos) * 1000.0 / windowMs / 3.0;
    qInfo("idle cost, 3 primaries, %lld streams in %lld slot groups: %.1f XREAD/s and %.1f "
          "INFO/s per node; server CPU %.3f %% of a core per node (nobody watching: %.3f %%)",
          qint64(streams.size()), qint64(streams.size()), xreadsPerNode, infosPerNode,
          double(cpuTail) / windowMs / 10.0 / 3.0, double(cpuNobody) / windowMs / 10.0 / 3.0);

    // No busy polling: at rest a node is asked whether its data changed every 100 ms (INFO),
    // and each slot is read only when it did, or in a full round every 1.5 s (or after XLEN):
    // at most two reads per slot a second (rounds every 100 ms would be ten).
    QVERIFY2(xreadsPerNode <= 2.0 * perNode, qPrintable(QString::number(xreadsPerNode)));
    QVERIFY2(infosPerNode <= 15.0, qPrintable(QString::number(infosPerNode)));

    // From XADD on each shard to entriesReceived, at rest (each after a pause as long as
    // the tail's longest).
    QList<qint64> latencies;
    for (int round = 0; round < (perNode > 2 ? 1 : 3); ++round)
        for (const QByteArray &s : sampled) {
            QTest::qWait(500); // the pause has grown to its longest (10, 20, 40, 80, 100 ms)
            const QByteArray key = s + ' ' + QByteArray::number(round);
            const qint64 sent = got.clock.elapsed();
            QVERIFY(client->command({"XADD", s, "*", "n", QByteArray::number(round)}).ok());
            QTRY_VERIFY_WITH_TIMEOUT(got.arrival(key) >= 0, 5000);
            latencies << got.arrival(key) - sent;
        }
    std::sort(latencies.begin(), latencies.end());
    qInfo("latency at rest, XADD to entriesReceived over %lld samples: median %lld ms, max %lld "
          "ms",
          qint64(latencies.size()), latencies.at(latencies.size() / 2), latencies.last());
    QVERIFY2(latencies.last() < 1000, qPrintable(QString::number(latencies.last())));
}

void TestClusterTail::restDetectorSeesEveryWrite_data() {
    QTest::addColumn<QString>("how");
    QTest::newRow("XADD") << QStringLiteral("xadd");
    QTest::newRow("XADD in MULTI") << QStringLiteral("multi");
    QTest::newRow("XADD in a Lua script") << QStringLiteral("lua");
    QTest::newRow("INFO refused by an ACL") << QStringLiteral("acl");
}

void TestClusterTail::restDetectorSeesEveryWrite() {
    // At rest the tail reads a node only when its data changed (INFO persistence), and every
    // node only every fullRoundMs: with that made long, only the detector (or, where INFO is
    // refused, reading every round) gets an entry on any shard to the screen promptly.
    QFETCH(QString, how);
    auto client = openCluster();
    QList<QByteArray> streams;
    QList<QByteArray> sampled; // one per node
    for (const QString &primary : client->primaries()) {
        const QList<QByteArray> keys = keysOn(*client, primary, "detect:" + how.toUtf8(), 4);
        QCOMPARE(keys.size(), 4);
        streams += keys;
        sampled << keys.first();
    }
    for (const QByteArray &s : streams)
        QVERIFY(client->command({"XADD", s, "*", "n", "-1"}).ok());

    ConnectionSettings settings = s_cluster->settings(0);
    const bool acl = how == QLatin1String("acl");
    auto dropUser = qScopeGuard([&] {
        if (acl)
            for (int i = 0; i < s_cluster->size(); ++i)
                runOn(s_cluster->settings(i).endpoint(), {"ACL", "DELUSER", "noinfo"});
    });
    if (acl) {
        // ACLs are per node: every node gets the user.
        for (int i = 0; i < s_cluster->size(); ++i)
            QCOMPARE(
                runOn(s_cluster->settings(i).endpoint(), {"ACL", "SETUSER", "noinfo", "reset", "on",
                                                          ">secret", "~*", "&*", "+@all", "-info"})
                    .bytes(),
                QByteArray("OK"));
        settings.user = QStringLiteral("noinfo");
        settings.password = QStringLiteral("secret");
    }
    StreamTailer::Options options = testOptions();
    options.fullRoundMs = 60000;
    TailController controller(settings, options);
    Collector got(controller.tailer());
    for (const QByteArray &s : streams)
        controller.tailer()->addStream(s, "$");
    controller.start();
    QTRY_VERIFY(got.caughtUp >= 1);
    QTest::qWait(500); // at rest

    if (!acl) {
        // Nothing changed: no node is read (one full round at most, after an XLEN check).
        qint64 before = 0;
        for (const QString &p : client->primaries())
            before += xreadCalls(p);
        QTest::qWait(1000);
        qint64 after = 0;
        for (const QString &p : client->primaries())
            after += xreadCalls(p);
        QVERIFY2(after - before <= streams.size(), qPrintable(QString::number(after - before)));
    }

    QList<qint64> latencies;
    for (const QByteArray &s : sampled) { // one write on each shard
        QTest::qWait(300);
        const QByteArray n = "1";
        const qint64 sent = got.clock.elapsed();
        if (how == QLatin1String("multi")) {
            auto replies = client->pipeline({{"MULTI"}, {"XADD", s, "*", "n", n}, {"EXEC"}});
            QVERIFY(replies.ok());
            QVERIFY(replies->back().isArray());
        } else if (how == QLatin1String("lua")) {
            auto added = client->command(
                {"EVAL", "return redis.call('XADD', KEYS[1], '*', 'n', ARGV[1])", "1", s, n});
            QVERIFY(added.ok());
            QVERIFY2(added->isString(), qPrintable(added->errorMessage()));
        } else {
            QVERIFY(client->command({"XADD", s, "*", "n", n}).ok());
        }
        QTRY_VERIFY_WITH_TIMEOUT(got.arrival(s + ' ' + n) >= 0, 5000);
        latencies << got.arrival(s + ' ' + n) - sent;
    }
    std::sort(latencies.begin(), latencies.end());
    qInfo("%s: XADD to entriesReceived, median %lld ms, max %lld ms", qPrintable(how),
          latencies.at(latencies.size() / 2), latencies.last());
    QVERIFY2(latencies.last() < 500, qPrintable(QString::number(latencies.last())));
    // The arrival is taken on the tailer's thread; the batch itself reaches this thread queued.
    QTRY_COMPARE(got.entries.size(), sampled.size());
    QVERIFY(got.failures.isEmpty());
    QCOMPARE(got.state, TailState::Live);
}

void TestClusterTail::oneSlotBlocksAndStreamsJoinLater() {
    // Streams of one hash tag share a slot: one XREAD BLOCK for all of them, as standalone.
    auto client = openCluster();
    const QList<QByteArray> tagged{"{blocks}:a", "{blocks}:b"};
    const QString node = client->endpointForSlot(cluster::keySlot(tagged.first()));
    for (const QByteArray &s : tagged)
        QVERIFY(client->command({"XADD", s, "*", "n", "-1"}).ok());
    StreamTailer::Options options = testOptions();
    options.blockMs = 1000;
    TailController controller(s_cluster->settings(0), options);
    Collector got(controller.tailer());
    for (const QByteArray &s : tagged)
        controller.tailer()->addStream(s, "$");
    controller.start();
    QTRY_VERIFY(got.caughtUp >= 1);
    QTest::qWait(300);
    const qint64 before = xreadCalls(node);
    QTest::qWait(3000);
    const qint64 reads = xreadCalls(node) - before;
    qInfo("one slot group at rest: %lld XREAD in 3 s on its node", reads);
    QVERIFY2(reads <= 5, qPrintable(QString::number(reads)));
    const qint64 sent = got.clock.elapsed();
    QVERIFY(client->command({"XADD", tagged.at(1), "*", "n", "0"}).ok());
    QTRY_VERIFY(got.arrival(tagged.at(1) + " 0") >= 0);
    qInfo("one slot group: XADD to entriesReceived %lld ms",
          got.arrival(tagged.at(1) + " 0") - sent);

    // A stream of another node joins while the read blocks: the read is cut short (only that
    // node's connection), and from then on the tail reads both slots.
    QByteArray other;
    for (const QString &p : client->primaries())
        if (p != node && other.isEmpty())
            other = keysOn(*client, p, "joins", 1).value(0);
    QVERIFY(client->command({"XADD", other, "*", "n", "-1"}).ok());
    controller.tailer()->addStream(other, "$");
    QTRY_VERIFY(got.caughtUp >= 2);
    for (int n = 1; n <= 3; ++n) {
        QVERIFY(client->command({"XADD", other, "*", "n", QByteArray::number(n)}).ok());
        QVERIFY(client->command({"XADD", tagged.at(0), "*", "n", QByteArray::number(n)}).ok());
    }
    QTRY_COMPARE(got.numbers(other), (QList<int>{1, 2, 3}));
    QTRY_COMPARE(got.numbers(tagged.at(0)), (QList<int>{1, 2, 3}));
    QVERIFY(got.failures.isEmpty());
}

void TestClusterTail::cliTailAcrossSlots() {
    // The cases: a stream on another node than the URL's (MOVED), and streams of
    // different slots together (CROSSSLOT).
    auto client = openCluster();
    QList<QByteArray> streams;
    for (const QString &primary : client->primaries())
        streams += keysOn(*client, primary, "cli", 1);
    streams += keysOn(*client, client->primaries().at(2), "cli2", 1);
    for (int i = 0; i < 40; ++i)
        QVERIFY(
            client
                ->command({"XADD", streams.at(i % streams.size()), "*", "n", QByteArray::number(i)})
                .ok());
    QStringList args{QStringLiteral("-u"), s_cluster->url(0), QStringLiteral("tail")};
    for (const QByteArray &s : streams)
        args << QString::fromUtf8(s);
    args << QStringLiteral("--from") << QStringLiteral("0") << QStringLiteral("--exit-at-end")
         << QStringLiteral("--format") << QStringLiteral("jsonl");
    QProcess p;
    p.start(m_cli, args);
    QVERIFY(p.waitForFinished(30000));
    const QByteArray err = p.readAllStandardError();
    QVERIFY2(p.exitCode() == 0, err.constData());
    QVERIFY2(!err.contains("MOVED") && !err.contains("CROSSSLOT"), err.constData());
    const QList<QByteArray> lines = p.readAllStandardOutput().trimmed().split('\n');
    QCOMPARE(lines.size(), 40);
    // All of them, in time order (IDs of different nodes may be equal).
    StreamId previous;
    QSet<QByteArray> numbers;
    for (const QByteArray &line : lines) {
        const qsizetype at = line.indexOf("\"id\":\"") + 6;
        const auto id = StreamId::parse(line.mid(at, line.indexOf('"', at) - at));
        QVERIFY2(id.ok() && !(id.value() < previous), line.constData());
        previous = id.value();
        numbers.insert(line.mid(line.indexOf("\"n\":")));
    }
    QCOMPARE(numbers.size(), 40);

    // One stream on another node than the URL's: one blocking read there.
    QProcess one;
    one.start(m_cli, {QStringLiteral("-u"), s_cluster->url(0), QStringLiteral("tail"),
                      QString::fromUtf8(streams.at(2)), QStringLiteral("--from"),
                      QStringLiteral("0"), QStringLiteral("--exit-at-end"),
                      QStringLiteral("--format"), QStringLiteral("count")});
    QVERIFY(one.waitForFinished(30000));
    QVERIFY2(one.exitCode() == 0, one.readAllStandardError().constData());
    QCOMPARE(one.readAllStandardOutput().trimmed(), QByteArray("10"));
}

void TestClusterTail::tailThroughSlotMigration() {
    // A stream's slot moves to another primary while it is tailed and written to (ASK during
    // the move, MOVED after): every number once, in order, and the move is named.
    auto client = openCluster();
    const QStringList primaries = client->primaries();
    const QString from = primaries.at(0);
    const QString to = primaries.at(1);
    QList<QByteArray> streams = keysOn(*client, from, "migrated", 1);
    streams += keysOn(*client, primaries.at(2), "migrated", 1);
    for (const QByteArray &s : streams)
        QVERIFY(client->command({"XADD", s, "*", "n", "-1"}).ok());
    TailController controller(s_cluster->settings(0), testOptions());
    Collector got(controller.tailer());
    for (const QByteArray &s : streams)
        controller.tailer()->addStream(s, "$");
    controller.start();
    QTRY_VERIFY(got.caughtUp >= 1);

    Writer writer(streams);
    writer.start();
    QTRY_VERIFY_WITH_TIMEOUT(writer.ackedCount() >= 60, 10000);
    QString fromId;
    QString toId;
    for (const RedisClient::Node &n : client->nodes()) {
        if (n.endpoint == from)
            fromId = n.id;
        if (n.endpoint == to)
            toId = n.id;
    }
    const QByteArray slot = QByteArray::number(cluster::keySlot(streams.first()));
    const QByteArray toPort = to.mid(to.lastIndexOf(QLatin1Char(':')) + 1).toUtf8();
    QCOMPARE(runOn(to, {"CLUSTER", "SETSLOT", slot, "IMPORTING", fromId.toUtf8()}).bytes(), "OK");
    QCOMPARE(runOn(from, {"CLUSTER", "SETSLOT", slot, "MIGRATING", toId.toUtf8()}).bytes(), "OK");
    QTest::qWait(100);
    QCOMPARE(runOn(from, {"MIGRATE", "127.0.0.1", toPort, streams.first(), "0", "5000"}).bytes(),
             QByteArray("OK"));
    QTest::qWait(100); // ASK for a while
    for (const QString &p : primaries)
        QCOMPARE(runOn(p, {"CLUSTER", "SETSLOT", slot, "NODE", toId.toUtf8()}).bytes(), "OK");
    const int ackedAtMove = writer.ackedCount();
    QTRY_VERIFY_WITH_TIMEOUT(writer.ackedCount() >= ackedAtMove + 60, 10000);
    writer.stop();

    for (const QByteArray &s : streams) {
        const QList<int> held = heldNumbers(*client, s).mid(1);
        for (int a : writer.acked(s))
            QVERIFY(held.contains(a));
        QTRY_COMPARE_WITH_TIMEOUT(got.numbers(s).size(), held.size(), 10000);
        QCOMPARE(got.numbers(s), held);
    }
    QCOMPARE(client->endpointForSlot(cluster::keySlot(streams.first())), to);
    QVERIFY2(got.topology.size() == 1, qPrintable(got.topology.join(QLatin1Char('\n'))));
    QVERIFY2(got.topology.first().startsWith(
                 QStringLiteral("slot %1 of stream %2 moved from %3 to %4")
                     .arg(QString::fromUtf8(slot), QString::fromUtf8(streams.first()), from, to)),
             qPrintable(got.topology.first()));
    qInfo("%s", qPrintable(got.topology.first()));
    QVERIFY(got.resets.isEmpty());
    QVERIFY(got.gaps.isEmpty());
    QVERIFY(got.failures.isEmpty());
    const Error healthy = s_cluster->waitUntilHealthy();
    QVERIFY2(!healthy, qPrintable(healthy.message));
}

void TestClusterTail::tailThroughClusterFailover() {
    auto client = openCluster();
    const QString primary = client->primaries().at(1);
    const QString replica = replicaOf(*client, primary);
    QVERIFY(!replica.isEmpty());
    QList<QByteArray> streams = keysOn(*client, primary, "graceful", 2);
    streams += keysOn(*client, client->primaries().at(0), "graceful", 1);
    QByteArray lastBefore; // the writer's entries come after it on every stream
    for (const QByteArray &s : streams) {
        auto added = client->command({"XADD", s, "*", "n", "-1"});
        QVERIFY(added.ok() && added->isString());
        lastBefore = qMax(lastBefore, added->bytes());
    }

    TailController controller(s_cluster->settings(0), testOptions());
    Collector got(controller.tailer());
    for (const QByteArray &s : streams)
        controller.tailer()->addStream(s, "$");
    controller.start();
    QTRY_VERIFY(got.caughtUp >= 1);
    // The CLI follows along (it used to stop at the failover: "no stream left to tail"), gets
    // every entry and says which node failed over.
    QProcess cli;
    QStringList args{QStringLiteral("-u"), s_cluster->url(0), QStringLiteral("tail")};
    for (const QByteArray &s : streams)
        args << QString::fromUtf8(s);
    cli.start(m_cli, args << QStringLiteral("--from") << QString::fromUtf8(lastBefore)
                          << QStringLiteral("--format") << QStringLiteral("jsonl"));
    QVERIFY(cli.waitForStarted());

    Writer writer(streams);
    writer.start();
    QTRY_VERIFY_WITH_TIMEOUT(writer.ackedCount() >= 100, 10000);
    QCOMPARE(runOn(replica, {"CLUSTER", "FAILOVER"}).bytes(), QByteArray("OK"));
    QTRY_VERIFY_WITH_TIMEOUT(runOn(replica, {"ROLE"}).at(0).bytes() == "master", 20000);
    const int ackedAtFailover = writer.ackedCount();
    QTRY_VERIFY_WITH_TIMEOUT(writer.ackedCount() >= ackedAtFailover + 100, 20000);
    writer.stop();

    for (const QByteArray &s : streams) {
        const QList<int> acked = writer.acked(s);
        QTRY_COMPARE_WITH_TIMEOUT(got.numbers(s).size(), acked.size(), 10000);
        QCOMPARE(got.numbers(s), acked); // every number once, in order
        QCOMPARE(heldNumbers(*client, s).mid(1), acked);
    }
    QCOMPARE(writer.failed(), 0);
    QVERIFY2(got.topology.size() == 1, qPrintable(got.topology.join(QLatin1Char('\n'))));
    QVERIFY2(got.topology.first().startsWith(primary + QStringLiteral(" failed over: slots ")),
             qPrintable(got.topology.first()));
    QVERIFY2(got.topology.first().contains(QStringLiteral("now served by ") + replica),
             qPrintable(got.topology.first()));
    qInfo("%s", qPrintable(got.topology.first()));
    QVERIFY(got.resets.isEmpty());
    QVERIFY(got.gaps.isEmpty());

    QByteArray lines;
    QTRY_COMPARE_WITH_TIMEOUT((lines += cli.readAllStandardOutput()).count('\n'),
                              writer.ackedCount(), 10000);
    QCOMPARE(cli.state(), QProcess::Running);
    cli.terminate();
    QVERIFY(cli.waitForFinished(10000));
    const QByteArray err = cli.readAllStandardError();
    QVERIFY2(err.contains("warning: " + primary.toUtf8() + " failed over: slots "),
             err.constData());
}

void TestClusterTail::tailThroughKilledPrimary() {
    auto client = openCluster();
    const QString primary = client->primaries().at(2);
    const QString replica = replicaOf(*client, primary);
    QVERIFY(!replica.isEmpty());
    const int victim = nodeIndex(primary);
    const int survivor = nodeIndex(replica);
    QVERIFY(victim >= 0 && survivor >= 0);
    QList<QByteArray> streams = keysOn(*client, primary, "killed", 2);
    streams += keysOn(*client, client->primaries().at(0), "killed", 1);
    for (const QByteArray &s : streams)
        QVERIFY(client->command({"XADD", s, "*", "n", "-1"}).ok());

    // A command timeout shorter than the election: the tail says it is reconnecting, then
    // live again.
    ConnectionSettings impatient = s_cluster->settings(0);
    impatient.commandTimeoutMs = 1000;
    TailController controller(impatient, testOptions());
    Collector got(controller.tailer());
    for (const QByteArray &s : streams)
        controller.tailer()->addStream(s, "$");
    controller.start();
    QTRY_VERIFY(got.caughtUp >= 1);

    // Replicated entries first, then (the replica stopped) entries only the primary gets: the
    // tail reads them, the primary dies, the replica that never had them takes over.
    QHash<QByteArray, QList<int>> acked;
    int n = 0;
    auto add = [&](int count) {
        for (int i = 0; i < count; ++i, ++n) {
            const QByteArray &s = streams.at(n % streams.size());
            QVERIFY(client->command({"XADD", s, "*", "n", QByteArray::number(n)}).ok());
            acked[s] << n;
        }
    };
    add(30);
    QCOMPARE(client->commandOn(primary, {"WAIT", "1", "5000"})->integer(), qint64(1));
    const qint64 replicaPid = s_cluster->node(survivor).processId();
    QCOMPARE(::kill(pid_t(replicaPid), SIGSTOP), 0);
    // Its link closed, so that nothing more waits for it in a socket buffer.
    QVERIFY(runOn(primary, {"CLIENT", "KILL", "TYPE", "replica"}).integer() >= 1);
    add(15);
    QTRY_COMPARE_WITH_TIMEOUT(got.entries.size(), 45, 5000);
    s_cluster->node(victim).kill();
    QCOMPARE(::kill(pid_t(replicaPid), SIGCONT), 0);

    // The writer goes on through the election (writes fail until it ends).
    Writer writer(streams, n);
    writer.start();
    QTRY_VERIFY_WITH_TIMEOUT(runOn(replica, {"ROLE"}).at(0).bytes() == "master", 30000);
    const int ackedAtFailover = writer.ackedCount();
    QTRY_VERIFY_WITH_TIMEOUT(writer.ackedCount() >= ackedAtFailover + 60, 20000);
    writer.stop();
    qInfo("writes that failed during the election: %d", writer.failed());

    // What the new primary holds the tail gives once each, in order; the entries it read that
    // the failover lost are reported, not read again.
    for (const QByteArray &s : streams) {
        const QList<int> held = heldNumbers(*client, s).mid(1);
        QList<int> lost; // acknowledged by the dead primary, never replicated
        for (int a : acked[s])
            if (!held.contains(a))
                lost << a;
        const bool onVictim = client->endpointForSlot(cluster::keySlot(s)) == replica;
        QCOMPARE(!lost.isEmpty(), onVictim);
        for (int a : writer.acked(s))
            QVERIFY(held.contains(a));
        QTRY_VERIFY_WITH_TIMEOUT(got.numbers(s).size() >= held.size() + lost.size(), 10000);
        QTest::qWait(200);
        const QList<int> seen = got.numbers(s);
        const QString name = QString::fromUtf8(s);
        QVERIFY2(strictlyIncreasing(seen), qPrintable(name + QStringLiteral(": something twice")));
        for (int h : held)
            QVERIFY2(seen.contains(h),
                     qPrintable(QStringLiteral("%1: %2 missed").arg(name).arg(h)));
        QCOMPARE(seen.size(), held.size() + lost.size());
        bool reported = false;
        for (const TailReset &r : got.resets)
            reported = reported || (r.stream == s && r.lostInFailover);
        QCOMPARE(reported, onVictim);
    }
    for (const TailReset &r : got.resets)
        qInfo("%s", qPrintable(r.describe()));
    qInfo("the tail said it was reconnecting %lld times%s", qint64(got.reconnecting.size()),
          qPrintable(got.reconnecting.isEmpty() ? QString()
                                                : QStringLiteral(": ") + got.reconnecting.first()));
    QVERIFY(!got.reconnecting.isEmpty());
    QCOMPARE(got.state, TailState::Live);
    QVERIFY2(got.topology.size() == 1, qPrintable(got.topology.join(QLatin1Char('\n'))));
    QVERIFY2(got.topology.first().startsWith(primary + QStringLiteral(" failed over: slots ")),
             qPrintable(got.topology.first()));
    qInfo("%s", qPrintable(got.topology.first()));
}

QTEST_GUILESS_MAIN(TestClusterTail)
#include "tst_cluster_tail.moc"
