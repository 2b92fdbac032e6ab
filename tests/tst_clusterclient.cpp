// ClusterClient against a real 3-primary, 3-replica Redis Cluster on loopback (LocalRedisCluster),
// started once for the whole executable: slots, routing, pipelines, MOVED and ASK during a slot
// migration, per-node commands, read-only mode and a failover.

#include "Cli.h"
#include "ClusterClient.h"
#include "ClusterSlots.h"
#include "LocalRedisCluster.h"
#include "RedisClient.h"
#include "TestCluster.h"
#include "TestRedis.h"

#include <QElapsedTimer>
#include <QSet>
#include <QTest>

using namespace streamscope;

namespace {

using test::keyOn;
using test::openCluster;

// The cluster of this executable: started by initTestCase, stopped with the process.
LocalRedisCluster *s_cluster = nullptr;

ConnectionSettings settingsFor(const QString &endpoint) {
    return test::settingsAt(s_cluster->settings(0), endpoint);
}

RedisClient::Node nodeAt(const ClusterClient &client, const QString &endpoint) {
    for (const RedisClient::Node &n : client.nodes())
        if (n.endpoint == endpoint)
            return n;
    return {};
}

RedisReply runOn(const QString &endpoint, const Command &command) {
    auto connection = test::connectTo(settingsFor(endpoint));
    return test::run(*connection, command);
}

} // namespace

class TestClusterClient : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void slotOfKeys_data();
    void slotOfKeys();
    void keyPositions();
    void factoryTellsTheTopology();
    void routesToEveryPrimary();
    void pipelineRepliesInCallersOrder();
    void multiExecBlockOnOneNode();
    void crossSlotRefusedBeforeSending();
    void commandEntriesRouted();
    void keylessCommandOnEveryPrimary();
    void entriesOnNodesAtOnce();
    void startsFromAReplica();
    void slotsWhenShardsIsRefused();
    void readOnlyRefusesWritesOnEveryNode();
    void movedAfterSlotMoved();
    void askDuringMigration();
    void cliAcceptsClusterFlag();
    void credentialsOnEveryNode();
    void replyLimitOnEveryNode();
    void clusterDownSaidAsSuch();
    // Last: they change which nodes are primaries, and kill one.
    void failoverKeepsReadsAndWritesWorking();
    void killedPrimaryReadsRetriedWritesNot();

private:
    std::unique_ptr<LocalRedisCluster> m_cluster;
};

void TestClusterClient::initTestCase() {
    m_cluster = std::make_unique<LocalRedisCluster>();
    QElapsedTimer clock;
    clock.start();
    const Error e = m_cluster->start();
    QVERIFY2(!e, qPrintable(QStringLiteral("cannot start the test cluster: ") + e.message));
    qInfo("cluster of %d nodes up in %lld ms", m_cluster->size(), clock.elapsed());
    s_cluster = m_cluster.get();
}

void TestClusterClient::cleanupTestCase() {
    s_cluster = nullptr;
    m_cluster.reset();
}

void TestClusterClient::slotOfKeys_data() {
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<int>("slot");
    QTest::newRow("foo") << QByteArray("foo") << 12182;
    QTest::newRow("bar") << QByteArray("bar") << 5061;
    QTest::newRow("empty") << QByteArray("") << 0;
    QTest::newRow("tag") << QByteArray("{user1000}.following") << cluster::keySlot("user1000");
    QTest::newRow("empty tag: whole key")
        << QByteArray("foo{}bar") << int(cluster::crc16("foo{}bar") & 16383);
    QTest::newRow("first tag only") << QByteArray("foo{bar}{zap}") << cluster::keySlot("bar");
    QTest::newRow("unclosed") << QByteArray("foo{bar") << int(cluster::crc16("foo{bar") & 16383);
}

void TestClusterClient::slotOfKeys() {
    QFETCH(QByteArray, key);
    QFETCH(int, slot);
    QCOMPARE(cluster::crc16("123456789"), quint16(0x31C3));
    QCOMPARE(cluster::keySlot(key), slot);
    QCOMPARE(cluster::keySlot("{user1000}.following"), cluster::keySlot("{user1000}.followers"));
    // The server agrees.
    auto client = openCluster(s_cluster->settings(0));
    const RedisReply server = runOn(client->primaries().first(), {"CLUSTER", "KEYSLOT", key});
    QCOMPARE(server.integer(), qint64(slot));
}

void TestClusterClient::keyPositions() {
    auto keys = [](const Command &c) {
        auto found = cluster::commandKeys(c);
        return found.ok() ? found->keys : QList<QByteArray>{"<refused>"};
    };
    QCOMPARE(keys({"XADD", "s", "*", "f", "v"}), QList<QByteArray>{"s"});
    QCOMPARE(keys({"XINFO", "GROUPS", "s"}), QList<QByteArray>{"s"});
    QCOMPARE(keys({"XGROUP", "CREATE", "s", "g", "$"}), QList<QByteArray>{"s"});
    QCOMPARE(keys({"XREADGROUP", "GROUP", "g", "c", "COUNT", "5", "STREAMS", "a", "b", ">", ">"}),
             (QList<QByteArray>{"a", "b"}));
    QCOMPARE(keys({"XREAD", "BLOCK", "0", "STREAMS", "streams", "$"}),
             QList<QByteArray>{"streams"});
    QCOMPARE(keys({"EVALSHA", "abc", "2", "k1", "k2", "arg"}), (QList<QByteArray>{"k1", "k2"}));
    QCOMPARE(keys({"DEL", "a", "b"}), (QList<QByteArray>{"a", "b"}));
    QCOMPARE(cluster::commandKeys({"SCAN", "0"})->route, cluster::Route::EveryPrimary);
    QCOMPARE(cluster::commandKeys({"PING"})->route, cluster::Route::AnyNode);

    auto unknown = cluster::commandKeys({"LPUSH", "list", "x"});
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.error().kind, Error::Kind::InvalidArgument);
    QVERIFY2(unknown.error().message.contains(QLatin1String("LPUSH")),
             qPrintable(unknown.error().message));
    QVERIFY(!cluster::commandKeys({"XREAD", "STREAMS", "a", "b", "0"}).ok()); // odd count

    auto client = openCluster(s_cluster->settings(0));
    const qint64 sent = client->commandsSent();
    auto refused = client->command({"LPUSH", "list", "x"});
    QVERIFY(!refused.ok());
    QCOMPARE(client->commandsSent(), sent);
}

void TestClusterClient::factoryTellsTheTopology() {
    auto clusterClient = openClient(s_cluster->settings(0));
    QVERIFY2(clusterClient.ok(), qPrintable(clusterClient.error().message));
    QCOMPARE(clusterClient.value()->topology(), RedisClient::Topology::Cluster);
    QCOMPARE(clusterClient.value()->primaries().size(), 3);
    QCOMPARE(clusterClient.value()->nodes().size(), 6);
    QVERIFY(clusterClient.value()->isOpen());

    LocalRedisServer plain;
    STREAMSCOPE_START_REDIS(plain);
    auto standalone = openClient(plain.settings());
    QVERIFY2(standalone.ok(), qPrintable(standalone.error().message));
    QCOMPARE(standalone.value()->topology(), RedisClient::Topology::Standalone);
    QVERIFY(dynamic_cast<RedisConnection *>(standalone.value().get()));
    QCOMPARE(standalone.value()->primaries(), QStringList{plain.settings().endpoint()});
    const auto dbsize = standalone.value()->onEveryPrimary({"DBSIZE"});
    QCOMPARE(dbsize.size(), size_t(1));
    QVERIFY(dbsize.front().reply.ok());

    ConnectionSettings nowhere = plain.settings();
    nowhere.port = LocalRedisServer::freePort();
    auto refused = openClient(nowhere);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().kind, Error::Kind::Connect);
}

void TestClusterClient::routesToEveryPrimary() {
    auto client = openCluster(s_cluster->settings(0));
    const QStringList primaries = client->primaries();
    QCOMPARE(primaries.size(), 3);
    for (const QString &primary : primaries) {
        const QByteArray key = keyOn(*client, primary, "route");
        QVERIFY(!key.isEmpty());
        for (int i = 0; i < 3; ++i) {
            auto added = client->command({"XADD", key, "*", "n", QByteArray::number(i)});
            QVERIFY2(added.ok() && added->isString(),
                     qPrintable(added.ok() ? added->toDebugString() : added.error().message));
        }
        auto range = client->command({"XRANGE", key, "-", "+"});
        QVERIFY(range.ok());
        QCOMPARE(range->size(), size_t(3));
        // It is on that node, not on another.
        QCOMPARE(runOn(primary, {"XLEN", key}).integer(), qint64(3));
    }
    QCOMPARE(client->redirections(), qint64(0));
}

void TestClusterClient::pipelineRepliesInCallersOrder() {
    auto client = openCluster(s_cluster->settings(0));
    QList<QByteArray> keys;
    for (const QString &primary : client->primaries())
        keys << keyOn(*client, primary, "order");
    QList<Command> commands;
    for (int round = 1; round <= 5; ++round)
        for (const QByteArray &key : keys) {
            commands.append({"XADD", key, "*", "round", QByteArray::number(round)});
            commands.append({"XLEN", key});
        }
    commands.append({"PING"});
    auto replies = client->pipeline(commands);
    QVERIFY2(replies.ok(), qPrintable(replies.error().message));
    QCOMPARE(replies->size(), size_t(commands.size()));
    size_t at = 0;
    for (int round = 1; round <= 5; ++round)
        for (qsizetype k = 0; k < keys.size(); ++k) {
            QVERIFY(replies.value()[at++].isString()); // the ID
            QCOMPARE(replies.value()[at++].integer(), qint64(round));
        }
    QCOMPARE(replies.value()[at].bytes(), QByteArray("PONG"));
}

void TestClusterClient::multiExecBlockOnOneNode() {
    auto client = openCluster(s_cluster->settings(0));
    auto replies = client->pipeline({{"XADD", "{orders}:a", "*", "f", "1"},
                                     {"MULTI"},
                                     {"XADD", "{orders}:b", "*", "f", "1"},
                                     {"XADD", "{orders}:dlq", "*", "f", "1"},
                                     {"EXEC"},
                                     {"XLEN", "{orders}:dlq"}});
    QVERIFY2(replies.ok(), qPrintable(replies.error().message));
    QCOMPARE(replies->size(), size_t(6));
    QCOMPARE(replies.value()[4].size(), size_t(2));
    QCOMPARE(replies.value()[5].integer(), qint64(1));

    const qint64 sent = client->commandsSent();
    auto cross = client->pipeline(
        {{"MULTI"}, {"XADD", "a", "*", "f", "1"}, {"XADD", "b", "*", "f", "1"}, {"EXEC"}});
    QVERIFY(!cross.ok());
    QCOMPARE(cross.error().kind, Error::Kind::InvalidArgument);
    QVERIFY(!client->pipeline({{"MULTI"}, {"XADD", "a", "*", "f", "1"}}).ok());
    QCOMPARE(client->commandsSent(), sent);
}

void TestClusterClient::crossSlotRefusedBeforeSending() {
    auto client = openCluster(s_cluster->settings(0));
    QVERIFY(cluster::keySlot("a") != cluster::keySlot("b"));
    const qint64 sent = client->commandsSent();
    auto read = client->command({"XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"});
    QVERIFY(!read.ok());
    QCOMPARE(read.error().kind, Error::Kind::InvalidArgument);
    QVERIFY2(read.error().message.contains(QLatin1String("CROSSSLOT"))
                 && read.error().message.contains(QLatin1String("\"a\""))
                 && read.error().message.contains(QLatin1String("\"b\"")),
             qPrintable(read.error().message));
    // Nothing of the pipeline left, not even the commands before the refused one.
    auto pipeline =
        client->pipeline({{"XLEN", "a"}, {"XREAD", "STREAMS", "a", "b", "0", "0"}, {"XLEN", "b"}});
    QVERIFY(!pipeline.ok());
    QCOMPARE(client->commandsSent(), sent);

    // Keys of one slot are fine, wherever that slot is.
    QVERIFY(client->command({"XADD", "{t}:x", "*", "f", "1"}).ok());
    QVERIFY(client->command({"XADD", "{t}:y", "*", "f", "2"}).ok());
    auto same = client->command({"XREAD", "STREAMS", "{t}:x", "{t}:y", "0", "0"});
    QVERIFY2(same.ok() && same->size() == 2,
             qPrintable(same.ok() ? same->toDebugString() : same.error().message));
}

void TestClusterClient::commandEntriesRouted() {
    auto client = openCluster(s_cluster->settings(0));
    for (const QString &primary : client->primaries()) {
        const QByteArray key = keyOn(*client, primary, "entries");
        for (int i = 0; i < 4; ++i)
            QVERIFY(client->command({"XADD", key, "*", "n", QByteArray::number(i)}).ok());
        StreamEntryList entries;
        auto skeleton = client->commandEntries({"XRANGE", key, "-", "+"}, 0, &entries, -1, key);
        QVERIFY2(skeleton.ok(), qPrintable(skeleton.error().message));
        QCOMPARE(entries.size(), 4);
        StreamEntryList read;
        auto xread =
            client->commandEntries({"XREAD", "COUNT", "10", "STREAMS", key, "0"}, 2, &read);
        QVERIFY2(xread.ok(), qPrintable(xread.error().message));
        QCOMPARE(read.size(), 4);
    }
    StreamEntryList none;
    QVERIFY(!client->commandEntries({"XREAD", "STREAMS", "a", "b", "0", "0"}, 2, &none).ok());
}

void TestClusterClient::keylessCommandOnEveryPrimary() {
    auto client = openCluster(s_cluster->settings(0));
    QSet<QByteArray> created;
    for (const QString &primary : client->primaries())
        for (int i = 0; i < 2; ++i) {
            const QByteArray key = keyOn(*client, primary, "scan" + QByteArray::number(i));
            QVERIFY(client->command({"XADD", key, "*", "f", "v"}).ok());
            created.insert(key);
        }
    QVERIFY(client->command({"DEL", "scan-not-a-stream"}).ok());

    // One node's SCAN through command() would be a silently partial list: refused.
    auto partial = client->command({"SCAN", "0"});
    QVERIFY(!partial.ok());
    QVERIFY2(partial.error().message.contains(QLatin1String("every primary")),
             qPrintable(partial.error().message));

    QSet<QByteArray> found;
    for (const QString &primary : client->primaries()) {
        QByteArray cursor = "0";
        do {
            auto page = client->commandOn(
                primary, {"SCAN", cursor, "MATCH", "scan*", "TYPE", "stream", "COUNT", "100"});
            QVERIFY2(page.ok(), qPrintable(page.error().message));
            cursor = page->at(0).bytes();
            for (const RedisReply &key : page->at(1).elements()) {
                QCOMPARE(client->endpointForSlot(cluster::keySlot(key.bytes())), primary);
                found.insert(key.bytes());
            }
        } while (cursor != "0");
    }
    QCOMPARE(found, created);

    const auto sizes = client->onEveryPrimary({"DBSIZE"});
    QCOMPARE(sizes.size(), size_t(3));
    for (const auto &node : sizes) {
        QVERIFY2(node.reply.ok(), qPrintable(node.reply.error().message));
        QVERIFY(node.reply->integer() >= 2);
    }
}

void TestClusterClient::startsFromAReplica() {
    auto seed = openCluster(s_cluster->settings(0));
    QString replica;
    for (const RedisClient::Node &n : seed->nodes())
        if (!n.primary)
            replica = n.endpoint;
    QVERIFY(!replica.isEmpty());

    auto opened = openClient(settingsFor(replica));
    QVERIFY2(opened.ok(), qPrintable(opened.error().message));
    auto *client = dynamic_cast<ClusterClient *>(opened.value().get());
    QVERIFY(client);
    QCOMPARE(client->primaries(), seed->primaries());
    QVERIFY(!client->primaries().contains(replica));
    for (const QString &primary : client->primaries()) {
        const QByteArray key = keyOn(*client, primary, "replica-start");
        auto added = client->command({"XADD", key, "*", "f", "v"});
        QVERIFY2(added.ok() && added->isString(),
                 qPrintable(added.ok() ? added->toDebugString() : added.error().message));
        QCOMPARE(client->command({"XLEN", key})->integer(), qint64(1));
    }
}

void TestClusterClient::slotsWhenShardsIsRefused() {
    // CLUSTER SLOTS is what servers before 7.0 have; an ACL without CLUSTER SHARDS shows it here.
    auto reference = openCluster(s_cluster->settings(0));
    for (const RedisClient::Node &n : reference->nodes())
        QCOMPARE(runOn(n.endpoint, {"ACL", "SETUSER", "oldstyle", "on", ">pw", "~*", "&*", "+@all",
                                    "-cluster|shards"})
                     .bytes(),
                 QByteArray("OK"));
    ConnectionSettings settings = s_cluster->settings(0);
    settings.user = QStringLiteral("oldstyle");
    settings.password = QStringLiteral("pw");
    auto client = openCluster(settings);
    QVERIFY(client->isOpen());
    QCOMPARE(client->primaries(), reference->primaries());
    // CLUSTER SLOTS leaves out replicas it does not count as available (not yet in sync):
    // those it lists must match.
    for (int slot = 0; slot < cluster::slotCount; ++slot)
        QCOMPARE(client->endpointForSlot(slot), reference->endpointForSlot(slot));
    for (const RedisClient::Node &n : client->nodes()) {
        QCOMPARE(n.id, nodeAt(*reference, n.endpoint).id);
        QCOMPARE(n.primary, nodeAt(*reference, n.endpoint).primary);
        QCOMPARE(n.primaryId, nodeAt(*reference, n.endpoint).primaryId);
    }
    for (const QString &primary : client->primaries()) {
        const QByteArray key = keyOn(*client, primary, "oldstyle");
        QVERIFY(client->command({"XADD", key, "*", "f", "v"}).ok());
        QCOMPARE(runOn(primary, {"XLEN", key}).integer(), qint64(1));
    }
}

void TestClusterClient::readOnlyRefusesWritesOnEveryNode() {
    ConnectionSettings settings = s_cluster->settings(0);
    settings.readOnly = true;
    auto opened = openClient(settings);
    QVERIFY2(opened.ok(), qPrintable(opened.error().message));
    RedisClient &client = *opened.value();
    QCOMPARE(client.topology(), RedisClient::Topology::Cluster);
    QVERIFY(client.isReadOnly());
    auto writer = openCluster(s_cluster->settings(0));
    for (const QString &primary : client.primaries()) {
        const QByteArray key = keyOn(*writer, primary, "ro");
        QVERIFY(writer->command({"XADD", key, "*", "f", "v"}).ok());
        const qint64 sent = client.commandsSent();
        auto refused = client.command({"XADD", key, "*", "f", "v"});
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, Error::Kind::ReadOnly);
        auto mixed = client.pipeline({{"XLEN", key}, {"XDEL", key, "0-1"}});
        QVERIFY(!mixed.ok());
        QCOMPARE(mixed.error().kind, Error::Kind::ReadOnly);
        QVERIFY(!client.commandOn(primary, {"FLUSHALL"}).ok());
        QCOMPARE(client.commandsSent(), sent);
        // Reads still go everywhere.
        auto length = client.command({"XLEN", key});
        QVERIFY2(length.ok(), qPrintable(length.error().message));
        QCOMPARE(length->integer(), qint64(1));
    }
}

void TestClusterClient::entriesOnNodesAtOnce() {
    // Reads of every node leave before any reply is read; each command's entries in its own
    // list, in the caller's order, also when a node's connection was lost in between.
    auto client = openCluster(s_cluster->settings(0));
    QList<Command> reads;
    QList<QByteArray> keys;
    for (const QByteArray &prefix : {QByteArray("overlap-a"), QByteArray("overlap-b")})
        for (const QString &primary : client->primaries())
            keys << keyOn(*client, primary, prefix);
    for (qsizetype k = 0; k < keys.size(); ++k) {
        for (qsizetype i = 0; i <= k; ++i)
            QVERIFY(client->command({"XADD", keys.at(k), "*", "n", QByteArray::number(i)}).ok());
        reads.append({"XREAD", "COUNT", "100", "STREAMS", keys.at(k), "0"});
    }
    reads.append({"XREAD", "COUNT", "100", "STREAMS", "overlap-none", "0"});
    auto check = [&] {
        std::vector<StreamEntryList> outs;
        auto replies = client->entriesOnNodes(reads, 2, &outs);
        QVERIFY2(replies.ok(), qPrintable(replies.ok() ? QString() : replies.error().message));
        QCOMPARE(replies->size(), size_t(reads.size()));
        QCOMPARE(outs.size(), size_t(reads.size()));
        for (qsizetype k = 0; k < keys.size(); ++k) {
            QVERIFY(!replies->at(size_t(k)).isError());
            const StreamEntryList &out = outs.at(size_t(k));
            QCOMPARE(out.size(), k + 1);
            for (qsizetype i = 0; i < out.size(); ++i) {
                QCOMPARE(out.at(i).stream, keys.at(k));
                QCOMPARE(out.at(i).value("n"), QByteArray::number(i));
            }
        }
        QVERIFY(replies->back().isNil());
        QVERIFY(outs.back().isEmpty());
    };
    check();
    // The client's connection to one node is killed: its reads are done again, alone.
    const qint64 opened = client->connectionsOpened();
    const QString victim = client->primaries().at(1);
    QVERIFY(runOn(victim, {"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}).integer() >= 1);
    check();
    QVERIFY(client->connectionsOpened() > opened);
    // Only reads.
    std::vector<StreamEntryList> outs;
    QVERIFY(!client->entriesOnNodes({{"XADD", keys.first(), "*", "n", "x"}}, 2, &outs).ok());
}

void TestClusterClient::movedAfterSlotMoved() {
    auto client = openCluster(s_cluster->settings(0));
    const QStringList primaries = client->primaries();
    const QString from = primaries.at(0);
    const QString to = primaries.at(1);
    const QByteArray key = keyOn(*client, from, "moved");
    const int slot = cluster::keySlot(key);
    const QByteArray fromId = nodeAt(*client, from).id.toUtf8();
    const QByteArray toId = nodeAt(*client, to).id.toUtf8();

    auto stale = openCluster(s_cluster->settings(0));
    // An empty slot moved as redis-cli --cluster reshard does it, behind the client's back.
    const QByteArray s = QByteArray::number(slot);
    QCOMPARE(runOn(to, {"CLUSTER", "SETSLOT", s, "IMPORTING", fromId}).bytes(), "OK");
    QCOMPARE(runOn(from, {"CLUSTER", "SETSLOT", s, "MIGRATING", toId}).bytes(), "OK");
    QCOMPARE(runOn(to, {"CLUSTER", "SETSLOT", s, "NODE", toId}).bytes(), "OK");
    QCOMPARE(runOn(from, {"CLUSTER", "SETSLOT", s, "NODE", toId}).bytes(), "OK");
    QCOMPARE(client->endpointForSlot(slot), from);

    auto added = client->command({"XADD", key, "*", "f", "v"});
    QVERIFY2(added.ok() && added->isString(),
             qPrintable(added.ok() ? added->toDebugString() : added.error().message));
    QVERIFY(client->redirections() >= 1);
    QCOMPARE(client->endpointForSlot(slot), to);
    QCOMPARE(runOn(to, {"XLEN", key}).integer(), qint64(1));
    // Entries commands follow MOVED too.
    StreamEntryList entries;
    auto read = stale->commandEntries({"XRANGE", key, "-", "+"}, 0, &entries, -1, key);
    QVERIFY2(read.ok() && !read->isError(),
             qPrintable(read.ok() ? read->toDebugString() : read.error().message));
    QCOMPARE(entries.size(), 1);
    QCOMPARE(stale->redirections(), qint64(1));
    QCOMPARE(stale->endpointForSlot(slot), to);
    QVERIFY(QTest::qWaitFor(
        [&] { return s_cluster->waitUntilHealthy(1000).kind == Error::Kind::None; }, 20000));
}

void TestClusterClient::askDuringMigration() {
    auto client = openCluster(s_cluster->settings(0));
    const QStringList primaries = client->primaries();
    const QString from = primaries.at(2);
    const QString to = primaries.at(0);
    QByteArray tag;
    for (int i = 0; tag.isEmpty(); ++i)
        if (client->endpointForSlot(cluster::keySlot("ask" + QByteArray::number(i))) == from)
            tag = "{ask" + QByteArray::number(i) + "}";
    const QByteArray moved = tag + ":moved";
    const QByteArray fresh = tag + ":fresh";
    const QByteArray stays = tag + ":stays";
    const int slot = cluster::keySlot(moved);
    for (int i = 0; i < 3; ++i) {
        QVERIFY(client->command({"XADD", moved, "*", "n", QByteArray::number(i)}).ok());
        QVERIFY(client->command({"XADD", stays, "*", "n", QByteArray::number(i)}).ok());
    }

    const QByteArray s = QByteArray::number(slot);
    const QByteArray fromId = nodeAt(*client, from).id.toUtf8();
    const QByteArray toId = nodeAt(*client, to).id.toUtf8();
    const quint16 toPort = quint16(to.mid(to.lastIndexOf(QLatin1Char(':')) + 1).toUInt());
    QCOMPARE(runOn(to, {"CLUSTER", "SETSLOT", s, "IMPORTING", fromId}).bytes(), "OK");
    QCOMPARE(runOn(from, {"CLUSTER", "SETSLOT", s, "MIGRATING", toId}).bytes(), "OK");
    const RedisReply migrate =
        runOn(from, {"MIGRATE", "127.0.0.1", QByteArray::number(toPort), moved, "0", "5000"});
    QCOMPARE(migrate.bytes(), QByteArray("OK"));

    // The migrated key answers ASK from the old node: the client asks the new one.
    const qint64 before = client->redirections();
    auto range = client->command({"XRANGE", moved, "-", "+"});
    QVERIFY2(range.ok() && range->isArray(),
             qPrintable(range.ok() ? range->toDebugString() : range.error().message));
    QCOMPARE(range->size(), size_t(3));
    QCOMPARE(client->redirections(), before + 1);
    StreamEntryList entries;
    auto viaEntries = client->commandEntries({"XRANGE", moved, "-", "+"}, 0, &entries, -1, moved);
    QVERIFY2(viaEntries.ok(), qPrintable(viaEntries.error().message));
    QCOMPARE(entries.size(), 3);
    // A new key of a migrating slot is made on the importing node; a key not yet moved is read
    // where it is; the map is not changed by ASK.
    auto replies = client->pipeline({{"XADD", fresh, "*", "f", "v"}, {"XLEN", stays}});
    QVERIFY2(replies.ok(), qPrintable(replies.error().message));
    QVERIFY2(replies.value()[0].isString(), qPrintable(replies.value()[0].toDebugString()));
    QCOMPARE(replies.value()[1].integer(), qint64(3));
    QCOMPARE(client->endpointForSlot(slot), from);
    {
        auto importing = test::connectTo(settingsFor(to));
        auto exists = importing->pipeline({{"ASKING"}, {"EXISTS", fresh}});
        QVERIFY(exists.ok());
        QCOMPARE(exists.value()[1].integer(), qint64(1));
    }

    // Finish the migration: then MOVED takes the client there for good, and a reader that
    // holds on to the map learns that it changed.
    const qint64 version = client->topologyVersion();
    QCOMPARE(runOn(from, {"MIGRATE", "127.0.0.1", QByteArray::number(toPort), stays, "0", "5000"})
                 .bytes(),
             QByteArray("OK"));
    QCOMPARE(runOn(to, {"CLUSTER", "SETSLOT", s, "NODE", toId}).bytes(), "OK");
    QCOMPARE(runOn(from, {"CLUSTER", "SETSLOT", s, "NODE", toId}).bytes(), "OK");
    auto length = client->command({"XLEN", stays});
    QVERIFY2(length.ok(), qPrintable(length.error().message));
    QCOMPARE(length->integer(), qint64(3));
    QCOMPARE(client->endpointForSlot(slot), to);
    QVERIFY(client->topologyVersion() > version);
    QVERIFY(QTest::qWaitFor(
        [&] { return s_cluster->waitUntilHealthy(1000).kind == Error::Kind::None; }, 20000));
}

void TestClusterClient::failoverKeepsReadsAndWritesWorking() {
    auto client = openCluster(s_cluster->settings(0));
    const QString primary = client->primaries().at(1);
    const QByteArray key = keyOn(*client, primary, "failover");
    const int slot = cluster::keySlot(key);
    QString replica;
    for (const RedisClient::Node &n : client->nodes())
        if (!n.primary && n.primaryId == nodeAt(*client, primary).id)
            replica = n.endpoint;
    QVERIFY(!replica.isEmpty());
    auto pipelined = openCluster(s_cluster->settings(0)); // keeps the old map for a pipeline
    for (int i = 0; i < 5; ++i)
        QVERIFY(client->command({"XADD", key, "*", "n", QByteArray::number(i)}).ok());
    // The replica must have the entries before it takes over (WAIT), as FAILOVER makes sure.
    QCOMPARE(client->command({"XLEN", key})->integer(), qint64(5));

    QCOMPARE(runOn(replica, {"CLUSTER", "FAILOVER"}).bytes(), QByteArray("OK"));
    QVERIFY(
        QTest::qWaitFor([&] { return runOn(replica, {"ROLE"}).at(0).bytes() == "master"; }, 20000));
    const Error healthy = s_cluster->waitUntilHealthy();
    QVERIFY2(!healthy, qPrintable(healthy.message));

    // The client still holds the old map: the old primary answers MOVED.
    QCOMPARE(client->endpointForSlot(slot), primary);
    const qint64 version = client->topologyVersion();
    for (int i = 5; i < 10; ++i) {
        auto added = client->command({"XADD", key, "*", "n", QByteArray::number(i)});
        QVERIFY2(added.ok() && added->isString(),
                 qPrintable(added.ok() ? added->toDebugString() : added.error().message));
    }
    QCOMPARE(client->endpointForSlot(slot), replica);
    QVERIFY(client->topologyVersion() > version);
    QVERIFY(client->primaries().contains(replica));
    QVERIFY(!client->primaries().contains(primary));
    auto range = client->command({"XRANGE", key, "-", "+"});
    QVERIFY(range.ok());
    QCOMPARE(range->size(), size_t(10));
    for (size_t i = 0; i < 10; ++i)
        QCOMPARE(range->at(i).at(1).at(1).bytes(), QByteArray::number(qint64(i)));

    // A pipeline over many slots with the old map: one MOVED per slot of the old primary (a
    // third of them), all answered by the next round, not counted as one command's redirects.
    QCOMPARE(pipelined->endpointForSlot(slot), primary);
    QList<Command> adds;
    for (int i = 0; i < 1000; ++i)
        adds.append({"XADD", "after-failover:" + QByteArray::number(i), "*", "n", "1"});
    auto added = pipelined->pipeline(adds);
    QVERIFY2(added.ok(), qPrintable(added.ok() ? QString() : added.error().message));
    for (const RedisReply &r : added.value())
        QVERIFY2(r.isString(), qPrintable(r.toDebugString()));
    QVERIFY(pipelined->redirections() > ClusterClient::maxRedirections);
    QCOMPARE(pipelined->endpointForSlot(slot), replica);
}

void TestClusterClient::cliAcceptsClusterFlag() {
    // redis-cli users type -c out of habit: accepted (the mode is found from the server).
    LocalRedisServer plain;
    STREAMSCOPE_START_REDIS(plain);
    QCOMPARE(cli::run({QStringLiteral("streamscope-cli"), QStringLiteral("-c"),
                       QStringLiteral("--url"), plain.url(), QStringLiteral("streams")}),
             0);
}

void TestClusterClient::credentialsOnEveryNode() {
    // A cluster of its own: three primaries that all want a password.
    LocalRedisCluster::Options options;
    options.replicasPerPrimary = 0;
    options.password = QStringLiteral("s3cret");
    LocalRedisCluster guarded(options);
    const Error started = guarded.start();
    QVERIFY2(!started, qPrintable(started.message));

    auto opened = openClient(guarded.settings(1));
    QVERIFY2(opened.ok(), qPrintable(opened.error().message));
    auto *client = dynamic_cast<ClusterClient *>(opened.value().get());
    QVERIFY(client);
    QCOMPARE(client->primaries().size(), 3);
    for (const QString &primary : client->primaries()) {
        const QByteArray key = keyOn(*client, primary, "guarded");
        auto added = client->command({"XADD", key, "*", "f", "v"});
        QVERIFY2(added.ok() && added->isString(),
                 qPrintable(added.ok() ? added->toDebugString() : added.error().message));
    }
    QCOMPARE(client->onEveryPrimary({"DBSIZE"}).size(), size_t(3));

    ConnectionSettings wrong = guarded.settings(0);
    wrong.password = QStringLiteral("wrong");
    auto refused = openClient(wrong);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().kind, Error::Kind::Auth);
}

void TestClusterClient::replyLimitOnEveryNode() {
    auto writer = openCluster(s_cluster->settings(0));
    const QByteArray big(10000, 'x');
    QList<QByteArray> keys;
    for (const QString &primary : writer->primaries()) {
        keys << keyOn(*writer, primary, "limit");
        QVERIFY(writer->command({"XADD", keys.last(), "*", "big", big}).ok());
    }
    ConnectionSettings limited = s_cluster->settings(0);
    limited.maxReplyBytes = 8192;
    auto fromSettings = openClient(limited);
    QVERIFY2(fromSettings.ok(), qPrintable(fromSettings.error().message));
    QCOMPARE(fromSettings.value()->maxReplyBytes(), qint64(8192));
    for (const QByteArray &key : keys) {
        auto refused = fromSettings.value()->command({"XRANGE", key, "-", "+"});
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, Error::Kind::Protocol);
    }
    // Set later, it reaches the connections already open too.
    for (const QByteArray &key : keys)
        QVERIFY(writer->command({"XRANGE", key, "-", "+"}).ok());
    writer->setMaxReplyBytes(8192);
    for (const QByteArray &key : keys) {
        auto refused = writer->command({"XRANGE", key, "-", "+"});
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, Error::Kind::Protocol);
        QCOMPARE(writer->command({"XLEN", key})->integer(), qint64(1)); // and it goes on
    }
}

// A slot no node serves puts the cluster in the fail state: every keyed command gets
// CLUSTERDOWN while the nodes answer. The error says the cluster is down for that slot, not
// that a slot is migrating (the issue 10 review got "did not serve the command within 5000 ms (slot
// migrating or primary being elected)" from every node).
void TestClusterClient::clusterDownSaidAsSuch() {
    auto client = openCluster(s_cluster->settings(0));
    const QString owner = client->primaries().first();
    const QByteArray key = keyOn(*client, owner, "down");
    const QByteArray slot = QByteArray::number(cluster::keySlot(key));
    for (int i = 0; i < s_cluster->size(); ++i)
        test::run(*test::connectTo(s_cluster->settings(i)), {"CLUSTER", "DELSLOTS", slot});
    auto down = client->command({"XLEN", key}, 1500);
    for (int i = 0; i < s_cluster->size(); ++i)
        if (s_cluster->settings(i).endpoint() == owner)
            test::run(*test::connectTo(s_cluster->settings(i)), {"CLUSTER", "ADDSLOTS", slot});
    const Error healthy = s_cluster->waitUntilHealthy();
    QVERIFY2(!healthy, qPrintable(healthy.message));

    QVERIFY(!down.ok());
    // The first answer is CLUSTERDOWN; the map refreshed after it shows the slot unassigned.
    QVERIFY2(down.error().message.contains(QLatin1String("the cluster is down for slot ")
                                           + QString::fromLatin1(slot)),
             qPrintable(down.error().message));
    QVERIFY(client->command({"XLEN", key}).ok());
}

void TestClusterClient::killedPrimaryReadsRetriedWritesNot() {
    auto client = openCluster(s_cluster->settings(0));
    const QString primary = client->primaries().at(2);
    const QByteArray key = keyOn(*client, primary, "killed");
    const int slot = cluster::keySlot(key);
    for (int i = 0; i < 5; ++i)
        QVERIFY(client->command({"XADD", key, "*", "n", QByteArray::number(i)}).ok());
    // The replica has them before the primary dies.
    auto waited = client->commandOn(primary, {"WAIT", "1", "5000"});
    QVERIFY(waited.ok());
    QCOMPARE(waited->integer(), qint64(1));
    int victim = -1;
    for (int i = 0; i < s_cluster->size(); ++i)
        if (primary.endsWith(QStringLiteral(":%1").arg(s_cluster->node(i).port())))
            victim = i;
    QVERIFY(victim >= 0);
    s_cluster->node(victim).kill();

    // A write sent on the lost connection is not sent again: it might have been applied.
    auto lost = client->command({"XADD", key, "*", "n", "lost"});
    QVERIFY(!lost.ok());
    QVERIFY2(lost.error().message.contains(QLatin1String("not retried")),
             qPrintable(lost.error().message));
    // A read waits (within its timeout) for the replica to take over.
    QElapsedTimer clock;
    clock.start();
    auto range = client->command({"XRANGE", key, "-", "+"}, 30000);
    QVERIFY2(range.ok(), qPrintable(range.error().message));
    qInfo("read served again after %lld ms", clock.elapsed());
    QCOMPARE(range->size(), size_t(5));
    QVERIFY(client->endpointForSlot(slot) != primary);
    QVERIFY(!client->primaries().contains(primary));
    auto added = client->command({"XADD", key, "*", "n", "5"});
    QVERIFY2(added.ok() && added->isString(),
             qPrintable(added.ok() ? added->toDebugString() : added.error().message));
    QCOMPARE(client->command({"XLEN", key})->integer(), qint64(6));

    // The dead node is an answer of its own, not a gap, when asked directly.
    auto dead = client->commandOn(primary, {"DBSIZE"});
    QVERIFY(!dead.ok());
    QVERIFY2(dead.error().message.contains(primary), qPrintable(dead.error().message));
}

QTEST_GUILESS_MAIN(TestClusterClient)
#include "tst_clusterclient.moc"
