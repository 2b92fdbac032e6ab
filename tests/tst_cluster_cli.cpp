// Every streamscope-cli command run as a process against a real 3-primary, 3-replica Redis
// Cluster (LocalRedisCluster, started once for the executable), for streams whose slot lives on
// another node than the one in the URL, started once from a primary's URL and once from a
// replica's; read-only mode on every node; find across streams of different slots; and the
// trim preview and history paging (no CLI command of their own) through the same client.

#include "CliProcess.h"
#include "ClusterSlots.h"
#include "LocalRedisCluster.h"
#include "RedisClient.h"
#include "StreamId.h"
#include "StreamPaging.h"
#include "Trim.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace streamscope;

namespace {

using Run = test::CliRun;

// Where a command is started from: a node's URL, and the primary that node belongs to.
struct From {
    QString url;
    QString endpoint;
    QString primary; // the node itself, or a replica's primary
};

} // namespace

Q_DECLARE_METATYPE(From)

class TestClusterCli : public QObject {
    Q_OBJECT

private:
    Run cli(const From &from, const QStringList &args) const {
        return test::runProgram(m_binary, QStringList{QStringLiteral("-u"), from.url} + args);
    }

    RedisReply admin(const Command &command) const {
        auto reply = m_admin->command(command);
        if (!reply.ok()) {
            QTest::qFail(qPrintable(reply.error().message), __FILE__, __LINE__);
            return {};
        }
        return reply.value();
    }

    // The primary serving key's slot.
    QString ownerOf(const QByteArray &key) const {
        const int slot = cluster::keySlot(key);
        for (const RedisClient::Node &n : m_admin->nodes())
            for (const auto &[first, last] : n.slotRanges)
                if (n.primary && slot >= first && slot <= last)
                    return n.endpoint;
        return {};
    }

    // Key names of one test row: prefix, the row, a number.
    static QByteArray keyName(const QByteArray &prefix, int i) {
        return prefix + ':' + QByteArray(QTest::currentDataTag()).replace(' ', '-') + ':'
               + QByteArray::number(i);
    }

    // A stream name starting with prefix whose slot is on a primary other than from's.
    QByteArray remoteKey(const From &from, const QByteArray &prefix) const {
        for (int i = 0; i < 10000; ++i) {
            const QByteArray key = keyName(prefix, i);
            const QString owner = ownerOf(key);
            if (!owner.isEmpty() && owner != from.primary && owner != from.endpoint)
                return key;
        }
        return {};
    }

    // A stream name starting with prefix on the given primary.
    QByteArray keyOn(const QString &primary, const QByteArray &prefix) const {
        for (int i = 0; i < 10000; ++i) {
            const QByteArray key = keyName(prefix, i);
            if (ownerOf(key) == primary)
                return key;
        }
        return {};
    }

    QList<QByteArray> addEntries(const QByteArray &stream, int count) {
        QList<QByteArray> ids;
        for (int i = 0; i < count; ++i)
            ids << admin({"XADD", stream, "*", "seq", QByteArray::number(i), "orderId",
                          QByteArray::number(i % 3)})
                       .bytes();
        return ids;
    }

    void addFromRows() {
        QTest::addColumn<From>("from");
        QTest::newRow("primary URL") << m_primaryFrom;
        QTest::newRow("replica URL") << m_replicaFrom;
    }

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void publishOnAnotherNode_data() { addFromRows(); }
    void publishOnAnotherNode();
    void groupInspectionOnAnotherNode_data() { addFromRows(); }
    void groupInspectionOnAnotherNode();
    void repairsOnAnotherNode_data() { addFromRows(); }
    void repairsOnAnotherNode();
    void groupAdminOnAnotherNode_data() { addFromRows(); }
    void groupAdminOnAnotherNode();
    void findAcrossSlots_data() { addFromRows(); }
    void findAcrossSlots();
    void findInTheSameMillisecondOnAnotherNode();
    void exportAndImportOnAnotherNode_data() { addFromRows(); }
    void exportAndImportOnAnotherNode();
    void trimPreviewAndApplyOnAnotherNode_data() { addFromRows(); }
    void trimPreviewAndApplyOnAnotherNode();
    void pagingOnAnotherNode_data() { addFromRows(); }
    void pagingOnAnotherNode();
    void errorsNameWhatWentWrong_data() { addFromRows(); }
    void errorsNameWhatWentWrong();
    void readOnlyRefusedOnEveryNode_data();
    void readOnlyRefusedOnEveryNode();
    // Last: it freezes a primary for a moment.
    void nodeThatDoesNotAnswerIsNamed();

private:
    QString m_binary;
    std::unique_ptr<LocalRedisCluster> m_cluster;
    std::unique_ptr<RedisClient> m_admin;
    From m_primaryFrom;
    From m_replicaFrom;
    QList<From> m_everyNode;
};

void TestClusterCli::initTestCase() {
    const QString dir = qEnvironmentVariable("STREAMSCOPE_BIN_DIR");
    m_binary = (dir.isEmpty() ? QCoreApplication::applicationDirPath() : dir)
               + QStringLiteral("/streamscope-cli");
    QVERIFY2(QFile::exists(m_binary), qPrintable(m_binary + QStringLiteral(" not built")));

    m_cluster = std::make_unique<LocalRedisCluster>();
    const Error started = m_cluster->start();
    QVERIFY2(!started,
             qPrintable(QStringLiteral("cannot start the test cluster: ") + started.message));
    auto opened = openClient(m_cluster->settings(0));
    QVERIFY2(opened.ok(), qPrintable(opened.error().message));
    m_admin = std::move(opened).value();
    QCOMPARE(m_admin->topology(), RedisClient::Topology::Cluster);
    QCOMPARE(m_admin->primaries().size(), 3);

    QHash<QString, RedisClient::Node> byEndpoint;
    for (const RedisClient::Node &n : m_admin->nodes())
        byEndpoint.insert(n.endpoint, n);
    for (int i = 0; i < m_cluster->size(); ++i) {
        const QString endpoint = m_cluster->settings(i).endpoint();
        QVERIFY2(byEndpoint.contains(endpoint), qPrintable(endpoint));
        const RedisClient::Node node = byEndpoint.value(endpoint);
        From from{m_cluster->url(i), endpoint, endpoint};
        if (!node.primary)
            for (const RedisClient::Node &p : m_admin->nodes())
                if (p.id == node.primaryId)
                    from.primary = p.endpoint;
        m_everyNode << from;
        if (node.primary && m_primaryFrom.url.isEmpty())
            m_primaryFrom = from;
        if (!node.primary && m_replicaFrom.url.isEmpty())
            m_replicaFrom = from;
    }
    QVERIFY(!m_primaryFrom.url.isEmpty());
    QVERIFY(!m_replicaFrom.url.isEmpty());
    QVERIFY(m_replicaFrom.primary != m_replicaFrom.endpoint);
}

void TestClusterCli::cleanupTestCase() {
    m_admin.reset();
    m_cluster.reset();
}

void TestClusterCli::publishOnAnotherNode() {
    QFETCH(From, from);
    const QByteArray stream = remoteKey(from, "publish");
    const Run plain =
        cli(from, {QStringLiteral("publish"), QString::fromUtf8(stream),
                   QStringLiteral("type=order.created"), QStringLiteral("orderId=1")});
    QVERIFY2(plain.exitCode == 0, plain.err.constData());
    const QByteArray id = plain.out.trimmed();
    QVERIFY2(StreamId::isValid(id), plain.out.constData());
    const RedisReply stored = admin({"XRANGE", stream, id, id});
    QCOMPARE(stored.size(), size_t(1));
    QCOMPARE(stored.at(0).at(1).toDebugString(),
             QStringLiteral("[\"type\", \"order.created\", \"orderId\", \"1\"]"));

    // -c (redis-cli's cluster flag) is accepted; an explicit ID is checked against the stream
    // on its own node before sending.
    const Run json =
        cli(from, {QStringLiteral("-c"), QStringLiteral("publish"), QString::fromUtf8(stream),
                   QStringLiteral("f=v"), QStringLiteral("--json"), QStringLiteral("--maxlen"),
                   QStringLiteral("5")});
    QVERIFY2(json.exitCode == 0, json.err.constData());
    QCOMPARE(QJsonDocument::fromJson(json.out).object().value(QStringLiteral("stream")).toString(),
             QString::fromUtf8(stream));
    QCOMPARE(admin({"XLEN", stream}).integer(), 2);
    const Run stale =
        cli(from, {QStringLiteral("publish"), QString::fromUtf8(stream), QStringLiteral("f=v"),
                   QStringLiteral("--id"), QStringLiteral("1-1")});
    QCOMPARE(stale.exitCode, 2);
    QVERIFY2(stale.err.contains("1-1") && !stale.err.contains("MOVED"), stale.err.constData());
    QCOMPARE(admin({"XLEN", stream}).integer(), 2);
}

void TestClusterCli::groupInspectionOnAnotherNode() {
    QFETCH(From, from);
    const QByteArray stream = remoteKey(from, "inspect");
    const QList<QByteArray> ids = addEntries(stream, 5);
    QCOMPARE(admin({"XGROUP", "CREATE", stream, "billing", "0"}).bytes(), QByteArray("OK"));
    admin({"XREADGROUP", "GROUP", "billing", "alice", "COUNT", "3", "STREAMS", stream, ">"});

    // The issue saw "no stream called ..." here.
    const Run groups = cli(from, {QStringLiteral("groups"), QString::fromUtf8(stream)});
    QVERIFY2(groups.exitCode == 0, groups.err.constData());
    QVERIFY2(groups.out.startsWith("GROUP"), groups.out.constData());
    const QList<QByteArray> lines = groups.out.split('\n');
    QVERIFY2(lines.size() >= 2 && lines.at(1).simplified().startsWith("billing 1 3 " + ids.at(2)),
             groups.out.constData());

    const Run groupsJson =
        cli(from, {QStringLiteral("groups"), QString::fromUtf8(stream), QStringLiteral("--json")});
    QVERIFY2(groupsJson.exitCode == 0, groupsJson.err.constData());
    const QJsonArray list = QJsonDocument::fromJson(groupsJson.out).array();
    QCOMPARE(list.size(), 1);
    const QJsonObject billing = list.at(0).toObject();
    QCOMPARE(billing.value(QStringLiteral("name")).toString(), QStringLiteral("billing"));
    QCOMPARE(billing.value(QStringLiteral("consumers")).toInt(), 1);
    QCOMPARE(billing.value(QStringLiteral("pending")).toInt(), 3);
    QCOMPARE(billing.value(QStringLiteral("lag")).toInt(), 2);
    QCOMPARE(billing.value(QStringLiteral("last_delivered_id")).toString(),
             QString::fromLatin1(ids.at(2)));

    const Run consumers = cli(from, {QStringLiteral("consumers"), QString::fromUtf8(stream),
                                     QStringLiteral("billing"), QStringLiteral("--json")});
    QVERIFY2(consumers.exitCode == 0, consumers.err.constData());
    const QJsonArray cs = QJsonDocument::fromJson(consumers.out).array();
    QCOMPARE(cs.size(), 1);
    QCOMPARE(cs.at(0).toObject().value(QStringLiteral("name")).toString(), QStringLiteral("alice"));
    QCOMPARE(cs.at(0).toObject().value(QStringLiteral("pending")).toInt(), 3);

    const Run pending = cli(from, {QStringLiteral("pending"), QString::fromUtf8(stream),
                                   QStringLiteral("billing"), QStringLiteral("--json")});
    QVERIFY2(pending.exitCode == 0, pending.err.constData());
    const QJsonArray entries = QJsonDocument::fromJson(pending.out).array();
    QCOMPARE(entries.size(), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(entries.at(i).toObject().value(QStringLiteral("id")).toString(),
                 QString::fromLatin1(ids.at(i)));
        QCOMPARE(entries.at(i).toObject().value(QStringLiteral("consumer")).toString(),
                 QStringLiteral("alice"));
    }
    const Run table =
        cli(from, {QStringLiteral("pending"), QString::fromUtf8(stream), QStringLiteral("billing"),
                   QStringLiteral("--count"), QStringLiteral("1")});
    QVERIFY2(table.exitCode == 0, table.err.constData());
    QVERIFY2(table.out.startsWith("ID") && table.out.contains(ids.at(0))
                 && !table.out.contains(ids.at(1)),
             table.out.constData());
}

void TestClusterCli::repairsOnAnotherNode() {
    QFETCH(From, from);
    const QByteArray stream = remoteKey(from, "repairs");
    const QString s = QString::fromUtf8(stream);
    const QList<QByteArray> ids = addEntries(stream, 4);
    admin({"XGROUP", "CREATE", stream, "workers", "0"});
    admin({"XREADGROUP", "GROUP", "workers", "alice", "COUNT", "4", "STREAMS", stream, ">"});

    const Run ack = cli(from, {QStringLiteral("ack"), s, QStringLiteral("workers"),
                               QString::fromLatin1(ids.at(0)), QStringLiteral("--json")});
    QVERIFY2(ack.exitCode == 0, ack.err.constData());
    QCOMPARE(
        QJsonDocument::fromJson(ack.out).object().value(QStringLiteral("acknowledged")).toInt(), 1);
    QCOMPARE(admin({"XPENDING", stream, "workers"}).at(0).integer(), 3);

    const Run claim = cli(from, {QStringLiteral("claim"), s, QStringLiteral("workers"),
                                 QStringLiteral("bob"), QStringLiteral("--min-idle"),
                                 QStringLiteral("0"), QString::fromLatin1(ids.at(1))});
    QVERIFY2(claim.exitCode == 0, claim.err.constData());
    QCOMPARE(claim.out.trimmed(), ids.at(1));
    QVERIFY2(claim.err.contains("claimed 1 of 1 entry for bob"), claim.err.constData());
    const RedisReply bobs = admin({"XPENDING", stream, "workers", "-", "+", "10", "bob"});
    QCOMPARE(bobs.size(), size_t(1));
    QCOMPARE(bobs.at(0).at(0).bytes(), ids.at(1));

    const Run autoclaim = cli(from, {QStringLiteral("autoclaim"), s, QStringLiteral("workers"),
                                     QStringLiteral("carol"), QStringLiteral("--min-idle"),
                                     QStringLiteral("0"), QStringLiteral("--json")});
    QVERIFY2(autoclaim.exitCode == 0, autoclaim.err.constData());
    const QJsonArray claimed =
        QJsonDocument::fromJson(autoclaim.out).object().value(QStringLiteral("claimed")).toArray();
    QCOMPARE(claimed.size(), 3);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(claimed.at(i).toString(), QString::fromLatin1(ids.at(i + 1)));
    QCOMPARE(admin({"XPENDING", stream, "workers", "-", "+", "10", "carol"}).size(), size_t(3));
}

void TestClusterCli::groupAdminOnAnotherNode() {
    QFETCH(From, from);
    const QByteArray stream = remoteKey(from, "admin");
    const QString s = QString::fromUtf8(stream);

    const Run create =
        cli(from, {QStringLiteral("group"), QStringLiteral("create"), s, QStringLiteral("audit"),
                   QStringLiteral("--from"), QStringLiteral("0"), QStringLiteral("--mkstream")});
    QVERIFY2(create.exitCode == 0, create.err.constData());
    QCOMPARE(create.out, QByteArray("create audit: OK\n"));
    const RedisReply groups = admin({"XINFO", "GROUPS", stream});
    QCOMPARE(groups.size(), size_t(1));
    QCOMPARE(groups.at(0).field("name")->bytes(), QByteArray("audit"));

    const QList<QByteArray> ids = addEntries(stream, 3);
    const Run setid = cli(from, {QStringLiteral("group"), QStringLiteral("setid"), s,
                                 QStringLiteral("audit"), QString::fromLatin1(ids.at(1)),
                                 QStringLiteral("--entries-read"), QStringLiteral("2")});
    QVERIFY2(setid.exitCode == 0, setid.err.constData());
    const RedisReply moved = admin({"XINFO", "GROUPS", stream}).at(0);
    QCOMPARE(moved.field("last-delivered-id")->bytes(), ids.at(1));
    QCOMPARE(moved.field("lag")->integer(), 1);

    admin({"XREADGROUP", "GROUP", "audit", "dave", "COUNT", "5", "STREAMS", stream, ">"});
    const Run del = cli(from, {QStringLiteral("group"), QStringLiteral("delconsumer"), s,
                               QStringLiteral("audit"), QStringLiteral("dave")});
    QVERIFY2(del.exitCode == 0, del.err.constData());
    QCOMPARE(del.out,
             QByteArray("deleted consumer dave; 1 pending entries were dropped with it\n"));
    QCOMPARE(admin({"XINFO", "CONSUMERS", stream, "audit"}).size(), size_t(0));

    const Run destroy =
        cli(from, {QStringLiteral("group"), QStringLiteral("destroy"), s, QStringLiteral("audit")});
    QVERIFY2(destroy.exitCode == 0, destroy.err.constData());
    QCOMPARE(destroy.out, QByteArray("destroyed group audit\n"));
    QCOMPARE(admin({"XINFO", "GROUPS", stream}).size(), size_t(0));
    const Run again =
        cli(from, {QStringLiteral("group"), QStringLiteral("destroy"), s, QStringLiteral("audit")});
    QCOMPARE(again.out, QByteArray("there was no group audit\n"));
}

void TestClusterCli::findAcrossSlots() {
    QFETCH(From, from);
    // One stream on each primary: three slots, none of them the URL's node's (for two of them).
    QStringList streams;
    QSet<int> slots;
    for (const QString &primary : m_admin->primaries()) {
        const QByteArray key = keyOn(primary, "find");
        QVERIFY(!key.isEmpty());
        slots << cluster::keySlot(key);
        streams << QString::fromUtf8(key);
        for (int i = 0; i < 6; ++i)
            admin({"XADD", key, "*", "orderId", QByteArray::number(i % 3), "stage",
                   QByteArray::number(streams.size())});
    }
    QCOMPARE(slots.size(), 3);
    const Run json = cli(
        from, QStringList{QStringLiteral("find"), QStringLiteral("orderId"), QStringLiteral("2")}
                  + streams + QStringList{QStringLiteral("--json")});
    QVERIFY2(json.exitCode == 0, json.err.constData());
    const QJsonArray found =
        QJsonDocument::fromJson(json.out).object().value(QStringLiteral("streams")).toArray();
    QCOMPARE(found.size(), 3);
    for (int i = 0; i < 3; ++i) {
        const QJsonObject hits = found.at(i).toObject();
        QCOMPARE(hits.value(QStringLiteral("stream")).toString(), streams.at(i));
        QVERIFY2(!hits.contains(QStringLiteral("error")),
                 qPrintable(hits.value(QStringLiteral("error")).toString()));
        QCOMPARE(hits.value(QStringLiteral("entries")).toArray().size(), 2);
        QCOMPARE(hits.value(QStringLiteral("scanned")).toInt(), 6);
    }
    const Run table = cli(
        from, QStringList{QStringLiteral("find"), QStringLiteral("orderId"), QStringLiteral("1")}
                  + streams);
    QVERIFY2(table.exitCode == 0, table.err.constData());
    QCOMPARE(table.out.count('\n'), 1 + 6); // the header and two hits per stream
    for (const QString &s : streams)
        QVERIFY2(table.err.contains(s.toUtf8() + ": 2 found in 6 scanned"), table.err.constData());

    const Run none = cli(
        from, QStringList{QStringLiteral("find"), QStringLiteral("orderId"), QStringLiteral("99")}
                  + streams);
    QCOMPARE(none.exitCode, 1);
}

void TestClusterCli::findInTheSameMillisecondOnAnotherNode() {
    // Each node makes its streams' IDs itself: entries of the same millisecond in streams on two
    // shards get sequence numbers that say nothing about their order. The later stages of a
    // flow are searched back to the first stage's hit by its time, so an entry of that very
    // millisecond with a smaller sequence number is still found.
    const QStringList primaries = m_admin->primaries();
    const QByteArray first = keyOn(primaries.at(0), "flow-order");
    const QByteArray second = keyOn(primaries.at(1), "flow-payment");
    for (int i = 0; i < 4; ++i) {
        admin({"XADD", first, "5000-" + QByteArray::number(i), "orderId", i == 2 ? "42" : "1"});
        admin({"XADD", second, "5000-" + QByteArray::number(i), "orderId", i == 0 ? "42" : "1"});
    }
    const Run r = cli(m_primaryFrom, {QStringLiteral("find"), QStringLiteral("orderId"),
                                      QStringLiteral("42"), QString::fromUtf8(first),
                                      QString::fromUtf8(second), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QJsonArray found =
        QJsonDocument::fromJson(r.out).object().value(QStringLiteral("streams")).toArray();
    QCOMPARE(found.size(), 2);
    const QJsonArray payments = found.at(1).toObject().value(QStringLiteral("entries")).toArray();
    QCOMPARE(payments.size(), 1);
    QCOMPARE(payments.at(0).toObject().value(QStringLiteral("id")).toString(),
             QStringLiteral("5000-0"));
}

void TestClusterCli::exportAndImportOnAnotherNode() {
    QFETCH(From, from);
    const QByteArray stream = remoteKey(from, "export");
    const QList<QByteArray> ids = addEntries(stream, 7);
    admin({"XGROUP", "CREATE", stream, "mail", "0"});
    admin({"XREADGROUP", "GROUP", "mail", "erin", "COUNT", "2", "STREAMS", stream, ">"});
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("out.jsonl"));

    const Run toStdout = cli(from, {QStringLiteral("export"), QString::fromUtf8(stream)});
    QVERIFY2(toStdout.exitCode == 0, toStdout.err.constData());
    const QList<QByteArray> lines = toStdout.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 7);
    for (int i = 0; i < 7; ++i)
        QCOMPARE(QJsonDocument::fromJson(lines.at(i)).object().value(QStringLiteral("id")),
                 QJsonValue(QString::fromLatin1(ids.at(i))));
    QVERIFY2(toStdout.err.contains("wrote exactly 7 entries"), toStdout.err.constData());

    const Run range =
        cli(from,
            {QStringLiteral("export"), QString::fromUtf8(stream), QStringLiteral("--from"),
             QString::fromLatin1(ids.at(2)), QStringLiteral("--to"), QString::fromLatin1(ids.at(4)),
             QStringLiteral("--format"), QStringLiteral("csv"), QStringLiteral("--output"), file});
    QVERIFY2(range.exitCode == 0, range.err.constData());
    QVERIFY2(range.err.contains("wrote exactly 3 entries to " + file.toUtf8()),
             range.err.constData());

    const Run pending = cli(from, {QStringLiteral("export"), QString::fromUtf8(stream),
                                   QStringLiteral("--group"), QStringLiteral("mail")});
    QVERIFY2(pending.exitCode == 0, pending.err.constData());
    const QList<QByteArray> pel = pending.out.trimmed().split('\n');
    QCOMPARE(pel.size(), 2);
    QVERIFY2(pel.at(0).contains(ids.at(0)) && pel.at(1).contains(ids.at(1)),
             pending.out.constData());

    // Back into a new stream on yet another node, keeping the IDs.
    QFile jsonl(dir.filePath(QStringLiteral("all.jsonl")));
    QVERIFY(jsonl.open(QIODevice::WriteOnly));
    jsonl.write(toStdout.out);
    jsonl.close();
    QByteArray target;
    for (const QString &primary : m_admin->primaries())
        if (primary != ownerOf(stream) && primary != from.primary)
            target = keyOn(primary, "import");
    QVERIFY(!target.isEmpty());
    const Run import =
        cli(from, {QStringLiteral("import"), QString::fromUtf8(target), QStringLiteral("--input"),
                   jsonl.fileName(), QStringLiteral("--keep-ids"), QStringLiteral("--json")});
    QVERIFY2(import.exitCode == 0, import.err.constData());
    QCOMPARE(QJsonDocument::fromJson(import.out).object().value(QStringLiteral("added")).toInt(),
             7);
    const RedisReply copied = admin({"XRANGE", target, "-", "+"});
    QCOMPARE(copied.size(), size_t(7));
    for (int i = 0; i < 7; ++i)
        QCOMPARE(copied.at(size_t(i)).at(0).bytes(), ids.at(i));

    // Importing the same IDs again is refused before sending, naming the stream's last ID.
    const Run twice =
        cli(from, {QStringLiteral("import"), QString::fromUtf8(target), QStringLiteral("--input"),
                   jsonl.fileName(), QStringLiteral("--keep-ids")});
    QCOMPARE(twice.exitCode, 2);
    QVERIFY2(twice.err.contains(ids.last()) && twice.err.contains("Nothing was sent"),
             twice.err.constData());
    QCOMPARE(admin({"XLEN", target}).integer(), 7);
}

void TestClusterCli::trimPreviewAndApplyOnAnotherNode() {
    QFETCH(From, from);
    const QByteArray stream = remoteKey(from, "trim");
    const QList<QByteArray> ids = addEntries(stream, 10);
    admin({"XGROUP", "CREATE", stream, "slow", "0"});
    admin({"XGROUP", "CREATE", stream, "fast", "$"});

    const QStringList parts = from.endpoint.split(QLatin1Char(':'));
    ConnectionSettings settings = m_cluster->settings(0);
    settings.host = parts.first();
    settings.port = quint16(parts.last().toUInt());
    auto client = openClient(settings);
    QVERIFY2(client.ok(), qPrintable(client.error().message));
    RedisClient &c = *client.value();

    TrimSpec keep3;
    keep3.maxLen = 3;
    auto preview = previewTrim(c, stream, keep3, 70015);
    QVERIFY2(preview.ok(), qPrintable(preview.error().message));
    QCOMPARE(preview->length, 10);
    QCOMPARE(preview->removed, 7);
    QVERIFY(preview->newFirstId);
    QCOMPARE(preview->newFirstId->toByteArray(), ids.at(7));
    QCOMPARE(preview->groupsLosingUnread.size(), 1);
    QCOMPARE(preview->groupsLosingUnread.first().group, QByteArray("slow"));
    QCOMPARE(preview->safeGroups, QList<QByteArray>{"fast"});

    TrimSpec minId;
    minId.mode = TrimSpec::Mode::MinId;
    minId.minId = StreamId::fromServer(ids.at(4));
    auto byId = previewTrim(c, stream, minId, 70015);
    QVERIFY2(byId.ok(), qPrintable(byId.error().message));
    QCOMPARE(byId->removed, 4);
    QCOMPARE(byId->newFirstId->toByteArray(), ids.at(4));

    auto applied = c.command(keep3.command(stream));
    QVERIFY2(applied.ok(), qPrintable(applied.error().message));
    QCOMPARE(applied->integer(), 7);
    QCOMPARE(admin({"XLEN", stream}).integer(), 3);

    // Read-only mode refuses the trim on this node too.
    settings.readOnly = true;
    auto guarded = openClient(settings);
    QVERIFY2(guarded.ok(), qPrintable(guarded.error().message));
    auto refused = guarded.value()->command(keep3.command(stream));
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().kind, Error::Kind::ReadOnly);
}

void TestClusterCli::pagingOnAnotherNode() {
    QFETCH(From, from);
    const QByteArray stream = remoteKey(from, "paging");
    const QList<QByteArray> ids = addEntries(stream, 25);
    const QStringList parts = from.endpoint.split(QLatin1Char(':'));
    ConnectionSettings settings = m_cluster->settings(0);
    settings.host = parts.first();
    settings.port = quint16(parts.last().toUInt());
    auto client = openClient(settings);
    QVERIFY2(client.ok(), qPrintable(client.error().message));

    QList<QByteArray> seen;
    PageStart start = PageStart::newest();
    for (int page = 0; page < 10; ++page) {
        auto entries = fetchHistoryPage(*client.value(), stream, start, 10);
        QVERIFY2(entries.ok(), qPrintable(entries.error().message));
        for (const StreamEntry &e : entries.value())
            seen.prepend(e.id.toByteArray());
        if (entries->size() < 10)
            break;
        start = PageStart::olderThan(entries->last().id);
    }
    QCOMPARE(seen, ids);
}

void TestClusterCli::errorsNameWhatWentWrong() {
    QFETCH(From, from);
    const QByteArray missing = remoteKey(from, "missing");
    const Run groups = cli(from, {QStringLiteral("groups"), QString::fromUtf8(missing)});
    QCOMPARE(groups.exitCode, 4);
    QVERIFY2(groups.err.contains("no stream called \"" + missing + "\"")
                 && groups.err.contains("streamscope-cli streams"),
             groups.err.constData());

    const QByteArray stream = remoteKey(from, "nogroup");
    addEntries(stream, 1);
    const Run pending =
        cli(from, {QStringLiteral("pending"), QString::fromUtf8(stream), QStringLiteral("ghosts")});
    QCOMPARE(pending.exitCode, 4);
    QVERIFY2(pending.err.contains("NOGROUP") && pending.err.contains(stream),
             pending.err.constData());
    const Run consumers = cli(
        from, {QStringLiteral("consumers"), QString::fromUtf8(stream), QStringLiteral("ghosts")});
    QCOMPARE(consumers.exitCode, 4);
    QVERIFY2(consumers.err.contains("has no group \"ghosts\" (its groups: none)"),
             consumers.err.constData());
    for (const Run &r : {groups, pending, consumers})
        QVERIFY2(!r.err.contains("MOVED") && !r.err.contains("CROSSSLOT"), r.err.constData());

    // A database number, which a cluster does not have.
    const Run db = cli(from, {QStringLiteral("-n"), QStringLiteral("2"), QStringLiteral("groups"),
                              QString::fromUtf8(stream)});
    QVERIFY(db.exitCode != 0);
    QVERIFY2(db.err.contains("only database 0: leave out -n 2"), db.err.constData());
}

void TestClusterCli::readOnlyRefusedOnEveryNode_data() {
    QTest::addColumn<From>("from");
    for (const From &f : m_everyNode)
        QTest::newRow(qPrintable(
            f.endpoint
            + (f.primary == f.endpoint ? QStringLiteral(" primary") : QStringLiteral(" replica"))))
            << f;
}

void TestClusterCli::readOnlyRefusedOnEveryNode() {
    QFETCH(From, from);
    // A stream on this node's own shard, and one on another.
    for (const QByteArray &stream : {keyOn(from.primary, "ro"), remoteKey(from, "ro-other")}) {
        const QString s = QString::fromUtf8(stream);
        admin({"DEL", stream});
        const QList<QByteArray> ids = addEntries(stream, 2);
        admin({"XGROUP", "CREATE", stream, "g", "0"});
        admin({"XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", stream, ">"});
        QTemporaryDir dir;
        QFile input(dir.filePath(QStringLiteral("in.jsonl")));
        QVERIFY(input.open(QIODevice::WriteOnly));
        input.write("{\"stream\":\"x\",\"id\":\"1-1\",\"fields\":{\"f\":\"v\"}}\n");
        input.close();
        const QString id = QString::fromLatin1(ids.first());
        const QList<QStringList> writes{
            {QStringLiteral("publish"), s, QStringLiteral("f=v")},
            {QStringLiteral("ack"), s, QStringLiteral("g"), id},
            {QStringLiteral("claim"), s, QStringLiteral("g"), QStringLiteral("d"),
             QStringLiteral("--min-idle"), QStringLiteral("0"), id},
            {QStringLiteral("autoclaim"), s, QStringLiteral("g"), QStringLiteral("d"),
             QStringLiteral("--min-idle"), QStringLiteral("0")},
            {QStringLiteral("group"), QStringLiteral("create"), s, QStringLiteral("g2")},
            {QStringLiteral("group"), QStringLiteral("setid"), s, QStringLiteral("g"),
             QStringLiteral("0")},
            {QStringLiteral("group"), QStringLiteral("destroy"), s, QStringLiteral("g")},
            {QStringLiteral("group"), QStringLiteral("delconsumer"), s, QStringLiteral("g"),
             QStringLiteral("c")},
            {QStringLiteral("dead-letter"), s, QStringLiteral("g"), id},
            {QStringLiteral("import"), s, QStringLiteral("--input"), input.fileName()},
        };
        for (const QStringList &args : writes) {
            const Run r = cli(from, QStringList{QStringLiteral("--read-only")} + args);
            QVERIFY2(r.exitCode == 5, qPrintable(args.join(QLatin1Char(' ')) + QStringLiteral(": ")
                                                 + QString::fromUtf8(r.err)));
            QVERIFY2(r.err.contains("read-only"), r.err.constData());
        }
        // Nothing changed: the same entries, the same group, consumer and pending list.
        QCOMPARE(admin({"XLEN", stream}).integer(), 2);
        const RedisReply groups = admin({"XINFO", "GROUPS", stream});
        QCOMPARE(groups.size(), size_t(1));
        QCOMPARE(groups.at(0).field("pending")->integer(), 2);
        QCOMPARE(groups.at(0).field("last-delivered-id")->bytes(), ids.last());
        const RedisReply consumers = admin({"XINFO", "CONSUMERS", stream, "g"});
        QCOMPARE(consumers.size(), size_t(1));
        QCOMPARE(consumers.at(0).field("name")->bytes(), QByteArray("c"));
        QCOMPARE(admin({"EXISTS", stream + ":dlq"}).integer(), 0);

        // Reads still work in read-only mode.
        const Run reads = cli(from, {QStringLiteral("--read-only"), QStringLiteral("pending"), s,
                                     QStringLiteral("g"), QStringLiteral("--json")});
        QVERIFY2(reads.exitCode == 0, reads.err.constData());
        QCOMPARE(QJsonDocument::fromJson(reads.out).array().size(), 2);
    }
}

void TestClusterCli::nodeThatDoesNotAnswerIsNamed() {
    const QByteArray stream = remoteKey(m_primaryFrom, "frozen");
    const QString s = QString::fromUtf8(stream);
    const QList<QByteArray> ids = addEntries(stream, 1);
    admin({"XGROUP", "CREATE", stream, "g", "0"});
    const QString owner = ownerOf(stream);
    qint64 pid = 0;
    for (int i = 0; i < m_cluster->size(); ++i)
        if (m_cluster->settings(i).endpoint() == owner)
            pid = m_cluster->node(i).processId();
    QVERIFY(pid > 0);
    const QByteArray named = "Stream " + stream + " is in hash slot "
                             + QByteArray::number(cluster::keySlot(stream))
                             + ", served by the cluster node " + owner.toUtf8();

    // Frozen (SIGSTOP) for well under the cluster's node timeout, so no failover starts: the
    // node takes connections but answers nothing.
    auto frozen = [&](const QStringList &args) {
        ::kill(pid_t(pid), SIGSTOP);
        const Run r = cli(m_primaryFrom,
                          QStringList{QStringLiteral("--timeout"), QStringLiteral("300")} + args);
        ::kill(pid_t(pid), SIGCONT);
        return r;
    };
    const Run read = frozen({QStringLiteral("groups"), s});
    QCOMPARE(read.exitCode, 3);
    QVERIFY2(read.err.contains(owner.toUtf8() + " did not answer in time")
                 && read.err.contains(named) && read.err.contains("redis-cli -h"),
             read.err.constData());
    QVERIFY2(!m_cluster->waitUntilHealthy(), "the cluster did not come back");

    const Run write =
        frozen({QStringLiteral("ack"), s, QStringLiteral("g"), QString::fromLatin1(ids.first())});
    QCOMPARE(write.exitCode, 3);
    QVERIFY2(write.err.contains("may or may not have been applied") && write.err.contains(named),
             write.err.constData());
    QVERIFY2(!m_cluster->waitUntilHealthy(), "the cluster did not come back");

    // find still searches the streams of the other nodes, and says which one it could not.
    QByteArray elsewhere;
    for (const QString &primary : m_admin->primaries())
        if (primary != owner && elsewhere.isEmpty())
            elsewhere = keyOn(primary, "thawed");
    admin({"XADD", elsewhere, "*", "seq", "0"});
    const Run find = frozen({QStringLiteral("find"), QStringLiteral("seq"), QStringLiteral("0"), s,
                             QString::fromUtf8(elsewhere)});
    QCOMPARE(find.exitCode, 3);
    QVERIFY2(find.out.contains(elsewhere) && !find.out.contains(stream + " "),
             find.out.constData());
    QVERIFY2(find.err.contains(named) && find.err.contains(elsewhere + ": 1 found in 1 scanned"),
             find.err.constData());
    QVERIFY2(!m_cluster->waitUntilHealthy(), "the cluster did not come back");
}

QTEST_GUILESS_MAIN(TestClusterCli)
#include "tst_cluster_cli.moc"
