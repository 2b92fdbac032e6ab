// The service map's model (issue 13, part 2), without a display: the builder from scripted
// snapshots (rates from two looks and unknown before, layout stable across updates, merging a
// service that consumes and produces unless that makes a cycle, producers inferred from CLIENT
// LIST samples, 50 streams), then against a real redis-server with real named connections
// adding, reading and acknowledging, through a real ServerPoller with CLIENT LIST sampling and
// the Session that feeds the builder.
#include "LocalRedisCluster.h"
#include "ServerPoller.h"
#include "ServiceMap.h"
#include "ServiceProcess.h"
#include "Session.h"
#include "TestCluster.h"
#include "TestRedis.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace streamscope;
using namespace streamscope::test;

namespace {

StreamInfo streamInfo(const QByteArray &name, qint64 added) {
    StreamInfo s;
    s.name = name;
    s.length = added;
    s.entriesAdded = added;
    s.lastGeneratedId = StreamId{quint64(added), 0};
    return s;
}

ConsumerStatus consumer(const QByteArray &name, qint64 pending = 0) {
    ConsumerStatus c;
    c.name = name;
    c.pending = pending;
    return c;
}

GroupStatus group(const QByteArray &stream, const QByteArray &name,
                  std::optional<qint64> entriesRead, qint64 pending,
                  const QList<ConsumerStatus> &consumers = {}) {
    GroupStatus g;
    g.stream = stream;
    g.name = name;
    g.entriesRead = entriesRead;
    g.pending = pending;
    g.consumerList = consumers;
    g.consumers = consumers.size();
    g.lag = 0;
    return g;
}

struct Script {
    // stream -> entries added so far; groups per stream.
    QMap<QByteArray, qint64> added;
    QMap<QByteArray, QList<GroupStatus>> groups;

    void feed(ServiceMapBuilder &b, qint64 atMs,
              const QHash<QByteArray, FindingList> &findings = {}) const {
        StreamInfoList streams;
        GroupSnapshot snap;
        snap.atMs = atMs;
        snap.findings = findings;
        for (auto it = added.cbegin(); it != added.cend(); ++it) {
            streams << streamInfo(it.key(), it.value());
            if (groups.value(it.key()).isEmpty())
                continue;
            StreamStatus s;
            s.info = streams.last();
            s.groups = groups.value(it.key());
            s.sampledAtMs = atMs;
            snap.streams << s;
        }
        b.addStreams(streams, atMs);
        b.addSnapshot(snap);
    }
};

ClientInfo client(qint64 id, const QByteArray &name, const QByteArray &cmd, qint64 idle = 0) {
    ClientInfo c;
    c.id = id;
    c.name = name;
    c.cmd = cmd;
    c.idleSeconds = idle;
    c.addr = "127.0.0.1:" + QByteArray::number(40000 + id);
    return c;
}

ClientSample sampleOf(qint64 atMs, const QList<ClientInfo> &clients) {
    ClientSample s;
    s.atMs = atMs;
    s.clients = clients;
    return s;
}

QString sKey(const char *s) {
    return QStringLiteral("stream:") + QLatin1String(s);
}
QString gKey(const char *s, const char *g) {
    return QStringLiteral("group:") + QLatin1String(s) + QChar(0x1f) + QLatin1String(g);
}

// The demo shop's streams and groups, as scripted polls.
Script shopScript() {
    Script s;
    s.added["order-events"] = 100;
    s.added["payment-events"] = 100;
    s.groups["order-events"] = {group("order-events", "payment-service", 100, 0,
                                      {consumer("payments-1"), consumer("payments-2")})};
    s.groups["payment-events"] = {
        group("payment-events", "notification-service", 100, 0, {consumer("notifier-1")}),
        group("payment-events", "order-service", 100, 0, {consumer("order-service-1")})};
    return s;
}

void advanceShop(Script &s, int orders) {
    s.added["order-events"] += orders;
    s.added["payment-events"] += orders;
    for (auto &list : s.groups)
        for (GroupStatus &g : list)
            *g.entriesRead += orders;
}

// A layout is sound: every edge goes left to right, rows are distinct within a column.
void checkLayout(const ServiceMap &map) {
    QSet<QPair<int, int>> cells;
    for (const ServiceMapNode &n : map.nodes) {
        QVERIFY2(!cells.contains({n.rank, n.order}), qPrintable(n.key));
        cells.insert({n.rank, n.order});
    }
    for (const ServiceMapEdge &e : map.edges) {
        const ServiceMapNode *from = map.node(e.from);
        const ServiceMapNode *to = map.node(e.to);
        QVERIFY2(from && to, qPrintable(e.from + QStringLiteral(" -> ") + e.to));
        QVERIFY2(from->rank < to->rank, qPrintable(e.from + QStringLiteral(" -> ") + e.to));
    }
}

QHash<QString, QPair<int, int>> placesOf(const ServiceMap &map) {
    QHash<QString, QPair<int, int>> places;
    for (const ServiceMapNode &n : map.nodes)
        places.insert(n.key, {n.rank, n.order});
    return places;
}

// Traffic on real named connections: orders-api adds to orders, billing:worker-1 reads its
// group and acknowledges (one entry of each batch stays pending until the next).
struct Traffic {
    std::unique_ptr<RedisConnection> producer;
    std::unique_ptr<RedisConnection> worker;
    QTimer timer;
    int sent = 0;
    QList<QByteArray> held;

    bool start(const ConnectionSettings &base) {
        ConnectionSettings p = base;
        p.clientName = QStringLiteral("orders-api");
        producer = connectTo(p);
        ConnectionSettings w = base;
        w.clientName = QStringLiteral("billing:worker-1");
        worker = connectTo(w);
        if (!producer || !worker)
            return false;
        timer.setInterval(40);
        QObject::connect(&timer, &QTimer::timeout, [this] { step(); });
        timer.start();
        return true;
    }
    void step() {
        for (int i = 0; i < 3; ++i)
            (void)producer->command({"XADD", "orders", "*", "n", QByteArray::number(++sent)});
        auto read = worker->command({"XREADGROUP", "GROUP", "billing", "worker-1", "COUNT", "100",
                                     "STREAMS", "orders", ">"});
        Command ack{"XACK", "orders", "billing"};
        ack.append(held);
        held.clear();
        if (read.ok() && read->isArray() && read->size() == 1) {
            const RedisReply &entries = read->at(0).at(1);
            for (size_t i = 0; i < entries.size(); ++i) {
                const QByteArray id = entries.at(i).at(0).bytes();
                if (i + 1 == entries.size())
                    held << id; // acknowledged with the next batch
                else
                    ack << id;
            }
        }
        if (ack.size() > 3)
            (void)worker->command(ack);
    }
};

// The poller's options for a test: quick ticks.
ServerPoller::Options quickPolls() {
    ServerPoller::Options o;
    o.intervalMs = 250;
    o.lengthIntervalMs = 500;
    o.listIntervalMs = 1000;
    o.quietIntervalMs = 1000;
    o.clientIntervalMs = 500;
    return o;
}

} // namespace

class TestServiceMap : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void clientListIsParsedAndBounded() {
        const QByteArray reply =
            "id=4 addr=127.0.0.1:42572 laddr=127.0.0.1:6399 fd=8 name=order-service age=12 idle=0 "
            "flags=N db=0 cmd=evalsha user=default\n"
            "id=5 addr=127.0.0.1:42573 fd=9 name= age=3 idle=7 flags=N cmd=client|list\n"
            "id=6 addr=127.0.0.1:42574 fd=10 name=payment-service:payments-1 age=1 idle=1 "
            "flags=b cmd=xreadgroup\n";
        const ClientSample all = parseClientList(reply, 10, 1234);
        QCOMPARE(all.clients.size(), 3);
        QVERIFY(!all.truncated);
        QCOMPARE(all.atMs, 1234);
        QCOMPARE(all.clients[0].id, 4);
        QCOMPARE(all.clients[0].name, QByteArray("order-service"));
        QCOMPARE(all.clients[0].cmd, QByteArray("evalsha"));
        QCOMPARE(all.clients[0].ageSeconds, 12);
        QCOMPARE(all.clients[1].name, QByteArray());
        QCOMPARE(all.clients[1].idleSeconds, 7);
        QCOMPARE(all.clients[1].addr, QByteArray("127.0.0.1:42573"));
        const ClientSample two = parseClientList(reply, 2, 0);
        QCOMPARE(two.clients.size(), 2);
        QVERIFY(two.truncated);

        const ClientRole r = clientRole("payment-service:payments-1>payment-events,audit");
        QCOMPARE(r.service, QByteArray("payment-service"));
        QCOMPARE(r.instance, QByteArray("payments-1"));
        QCOMPARE(r.declaredStreams, (QList<QByteArray>{"payment-events", "audit"}));
        QCOMPARE(clientRole("order-service").service, QByteArray("order-service"));
        QVERIFY(clientRole("order-service").instance.isEmpty());
        QVERIFY(isStreamScopeClient("streamscope-poll"));
        QVERIFY(!isStreamScopeClient("order-service"));
        QVERIFY(mayAddToStream("xadd") && mayAddToStream("evalsha") && mayAddToStream("fcall"));
        QVERIFY(!mayAddToStream("xreadgroup") && !mayAddToStream("evalsha_ro"));
    }

    void ratesComeFromTwoLooksAndAreUnknownBefore() {
        ServiceMapBuilder b;
        Script s;
        s.added["orders"] = 10;
        s.groups["orders"] = {group("orders", "billing", 5, 2, {consumer("w1", 2)})};
        s.feed(b, 10000);
        ServiceMap m = b.map();
        const ServiceMapEdge *e = m.edge(sKey("orders"), gKey("orders", "billing"));
        QVERIFY(e);
        QCOMPARE(e->kind, ServiceMapEdge::Kind::Delivers);
        QVERIFY(!e->perSecond);     // one look: unknown, never 0
        QVERIFY(!e->acksPerSecond); // idem
        QVERIFY(!m.node(sKey("orders"))->addedPerSecond);

        // Two seconds later: 20 added, 20 delivered, pending up by 2 (18 acknowledged).
        s.added["orders"] = 30;
        s.groups["orders"] = {group("orders", "billing", 25, 4, {consumer("w1", 4)})};
        s.feed(b, 12000);
        m = b.map();
        e = m.edge(sKey("orders"), gKey("orders", "billing"));
        QVERIFY(e->perSecond && e->acksPerSecond);
        QCOMPARE(*e->perSecond, 10.0);
        QCOMPARE(*e->acksPerSecond, 9.0);
        QCOMPARE(*m.node(sKey("orders"))->addedPerSecond, 10.0);
        QCOMPARE(m.node(sKey("orders"))->length, 30);
        const ServiceMapNode *g = m.node(gKey("orders", "billing"));
        QCOMPARE(g->pending, 4);
        QCOMPARE(g->consumers.size(), 1);
        QCOMPARE(g->consumers[0].name, QByteArray("w1"));

        // Nothing happened: 0 is now a measured figure.
        s.feed(b, 14000);
        e = b.map().edge(sKey("orders"), gKey("orders", "billing"));
        QCOMPARE(*e->perSecond, 0.0);
        QCOMPARE(*e->acksPerSecond, 0.0);

        // Without entries-read (a server before 7.0, or SETID without ENTRIESREAD): unknown.
        s.groups["orders"] = {group("orders", "billing", std::nullopt, 4, {consumer("w1", 4)})};
        s.feed(b, 16000);
        e = b.map().edge(sKey("orders"), gKey("orders", "billing"));
        QVERIFY(!e->perSecond);
        QVERIFY(!e->acksPerSecond);
        // Back, after a SETID that went backwards: unknown for that interval too.
        s.groups["orders"] = {group("orders", "billing", 25, 4, {consumer("w1", 4)})};
        s.feed(b, 18000);
        s.groups["orders"] = {group("orders", "billing", 3, 0, {consumer("w1")})};
        s.feed(b, 20000);
        QVERIFY(!b.map().edge(sKey("orders"), gKey("orders", "billing"))->perSecond);
    }

    void healthLagAndDeadConsumersComeFromTheFindings() {
        ServiceMapBuilder b;
        Script s;
        s.added["orders"] = 10;
        GroupStatus g = group("orders", "billing", 5, 3, {consumer("w1", 3), consumer("w2")});
        g.lag = 5;
        s.groups["orders"] = {g};
        Finding dead;
        dead.kind = QStringLiteral("dead-consumer");
        dead.severity = Severity::Critical;
        dead.stream = "orders";
        dead.group = "billing";
        dead.consumer = "w1";
        dead.message = QStringLiteral("w1 holds 3 entries and has not read for 2 min");
        s.feed(b, 1000, {{groupKey("orders", "billing"), {dead}}});
        const ServiceMap m = b.map();
        const ServiceMapNode *n = m.node(gKey("orders", "billing"));
        QCOMPARE(n->health, Severity::Critical);
        QCOMPARE(n->healthText, dead.message);
        // The line drawn in the node: a few words (the message is in its tooltip).
        QCOMPARE(n->healthSummary, QStringLiteral("dead consumer w1"));
        QCOMPARE(*n->lag, 5);
        QCOMPARE(n->pending, 3);
        QCOMPARE(n->consumers.size(), 2);
        QVERIFY(n->consumers[0].dead);
        QVERIFY(!n->consumers[1].dead);
        // An unknown lag stays unknown.
        s.groups["orders"][0].lag.reset();
        s.feed(b, 2000);
        QVERIFY(!b.map().node(gKey("orders", "billing"))->lag);
    }

    void layoutIsStableAcrossUpdatesAndChanges() {
        ServiceMapBuilder b;
        Script s;
        for (const char *name : {"c", "a", "b"}) {
            s.added[name] = 1;
            s.groups[name] = {group(name, "g2", 1, 0), group(name, "g1", 1, 0)};
        }
        s.feed(b, 1000);
        const ServiceMap first = b.map();
        checkLayout(first);
        QCOMPARE(first.nodes.size(), 9);
        // Streams in column 1 by name, their groups in column 2 in the streams' order.
        QCOMPARE(first.node(sKey("a"))->rank, 1);
        QCOMPARE(first.node(sKey("a"))->order, 0);
        QCOMPARE(first.node(sKey("c"))->order, 2);
        QCOMPARE(first.node(gKey("a", "g1"))->rank, 2);
        QCOMPARE(first.node(gKey("a", "g1"))->order, 0);
        QCOMPARE(first.node(gKey("b", "g2"))->order, 3);
        QCOMPARE(first.node(gKey("c", "g2"))->order, 5);

        // Ten more updates with traffic: nothing moves.
        for (int i = 2; i < 12; ++i) {
            for (auto &v : s.added)
                v += 5;
            s.feed(b, i * 1000);
            QCOMPARE(placesOf(b.map()), placesOf(first));
        }

        // A new stream sorted before the others by name still goes after them.
        s.added["0-new"] = 1;
        s.groups["0-new"] = {group("0-new", "g", 1, 0)};
        s.feed(b, 13000);
        ServiceMap m = b.map();
        checkLayout(m);
        const auto before = placesOf(first);
        const auto after = placesOf(m);
        for (auto it = before.cbegin(); it != before.cend(); ++it)
            QCOMPARE(after.value(it.key()), it.value());
        QCOMPARE(m.node(sKey("0-new"))->order, 3);
        QCOMPARE(m.node(gKey("0-new", "g"))->order, 6);

        // A stream removed: the others stay where they were.
        s.added.remove("b");
        s.groups.remove("b");
        s.feed(b, 14000);
        m = b.map();
        checkLayout(m);
        QVERIFY(!m.node(sKey("b")));
        QVERIFY(!m.node(gKey("b", "g1")));
        for (const char *k : {"a", "c", "0-new"})
            QCOMPARE(m.node(sKey(k))->order, placesOf(first).value(sKey(k), {1, 3}).second);
        QCOMPARE(m.node(gKey("c", "g2"))->order, 5);
        QCOMPARE(m.node(gKey("0-new", "g"))->order, 6);
        // A group added to an existing stream comes after the others of its column.
        s.groups["a"] << group("a", "g0", 1, 0);
        s.feed(b, 15000);
        m = b.map();
        QCOMPARE(m.node(gKey("a", "g0"))->order, 7);
        QCOMPARE(m.node(gKey("a", "g1"))->order, 0);
    }

    // The shop: order-service's relay adds to order-events; payment-service's consumers (blocked
    // in XREADGROUP between messages) declare payment-events in their names. payment-service
    // merges with its group; order-service cannot (order-events -> payment-service ->
    // payment-events -> order-service -> order-events would be a cycle): it is a producer on
    // the left, and its group on the right.
    void theShopReadsAsAChain() {
        ServiceMapBuilder b;
        Script s = shopScript();
        QList<ClientInfo> clients{
            client(1, "order-service", "evalsha"),
            client(2, "order-service:order-service-1", "xreadgroup"),
            client(3, "payment-service:payments-1>payment-events", "xreadgroup"),
            client(4, "payment-service:payments-2>payment-events", "xreadgroup"),
            client(5, "notification-service:notifier-1", "xreadgroup"),
            client(6, "streamscope-poll", "client|list"),
            client(7, "streamscope-tail", "xadd"), // never a producer, whatever it runs
        };
        // A write between two looks. A write seen with idle=0 happened in the second before
        // CLIENT LIST, maybe before the lengths of that tick were read: only a stream that did
        // not grow over two looks around it is ruled out. Here order-events grows alone twice
        // (payment-service is slow for a while).
        for (int i = 0; i < 6; ++i) {
            const qint64 t = 10000 + i * 2000;
            s.feed(b, t);
            b.addClients(sampleOf(t + 50, clients));
            if (i == 2 || i == 3) {
                s.added["order-events"] += 5;
                for (GroupStatus &g : s.groups["order-events"])
                    *g.entriesRead += 5;
            } else {
                advanceShop(s, 10);
            }
        }
        const ServiceMap m = b.map();
        checkLayout(m);
        const QString orderService = QStringLiteral("producer:order-service");
        const QString payment = gKey("order-events", "payment-service");
        QVERIFY(m.node(orderService));
        QCOMPARE(m.node(orderService)->rank, 0);
        QVERIFY(m.node(orderService)->inferred);
        QCOMPARE(m.node(sKey("order-events"))->rank, 1);
        QCOMPARE(m.node(payment)->rank, 2);
        QVERIFY(m.node(payment)->alsoProduces);
        QCOMPARE(m.node(payment)->consumers.size(), 2);
        QCOMPARE(m.node(sKey("payment-events"))->rank, 3);
        QCOMPARE(m.node(gKey("payment-events", "order-service"))->rank, 4);
        QCOMPARE(m.node(gKey("payment-events", "notification-service"))->rank, 4);
        QVERIFY(!m.node(gKey("payment-events", "order-service"))->alsoProduces);
        // Only these nodes: StreamScope's own connections are never producers.
        QCOMPARE(m.nodes.size(), 6);

        const ServiceMapEdge *toOrders = m.edge(orderService, sKey("order-events"));
        QVERIFY(toOrders);
        QCOMPARE(toOrders->kind, ServiceMapEdge::Kind::Produces);
        QVERIFY(toOrders->inferred);
        // Told apart by the one look where only order-events grew.
        QVERIFY2(!toOrders->uncertain, qPrintable(toOrders->evidence));
        QVERIFY(!m.edge(orderService, sKey("payment-events")));
        QVERIFY(toOrders->perSecond && *toOrders->perSecond > 0);
        const ServiceMapEdge *toPayments = m.edge(payment, sKey("payment-events"));
        QVERIFY(toPayments);
        QVERIFY(toPayments->inferred);
        QVERIFY2(toPayments->evidence.contains(QLatin1String("declared")),
                 qPrintable(toPayments->evidence));
        QVERIFY(m.edge(sKey("payment-events"), gKey("payment-events", "order-service")));
        QVERIFY(m.producersNote.contains(QLatin1String("CLIENT LIST")));
        // The note under the map matches how the view draws them (inferred dashed, uncertain
        // dotted) and stays short: two lines under the map, not a paragraph.
        QVERIFY2(m.producersNote.contains(QLatin1String("Producers (dashed)"))
                     && m.producersNote.contains(QLatin1String("dotted: not yet told"))
                     && !m.producersNote.contains(QLatin1String("dashed: not told")),
                 qPrintable(m.producersNote));
        QVERIFY2(m.producersNote.size() < 300, qPrintable(m.producersNote));
    }

    // While every stream grows every time a producer writes, the samples cannot tell which it
    // adds to: dashed edges to each, until a look tells them apart.
    void ambiguityIsResolvedOnlyByEvidence() {
        ServiceMapBuilder b;
        Script s;
        s.added["a"] = 1;
        s.added["b"] = 1;
        s.added["quiet"] = 1;
        QList<ClientInfo> clients{client(1, "writer:1", "xadd")};
        for (int i = 0; i < 4; ++i) {
            s.feed(b, 1000 + i * 2000);
            b.addClients(sampleOf(1000 + i * 2000 + 10, clients));
            s.added["a"] += 3;
            s.added["b"] += 3;
        }
        s.feed(b, 9000);
        ServiceMap m = b.map();
        const QString w = QStringLiteral("producer:writer");
        QVERIFY(m.edge(w, sKey("a")) && m.edge(w, sKey("b")));
        QVERIFY(m.edge(w, sKey("a"))->uncertain);
        QVERIFY(m.edge(w, sKey("b"))->uncertain);
        QVERIFY(!m.edge(w, sKey("quiet"))); // it never grew while writer wrote
        // Only a grows while writer writes, over two looks: b is ruled out.
        b.addClients(sampleOf(9010, clients));
        s.added["a"] += 3;
        s.feed(b, 11000);
        b.addClients(sampleOf(11010, clients));
        s.added["a"] += 3;
        s.feed(b, 13000);
        m = b.map();
        QVERIFY(m.edge(w, sKey("a")));
        QVERIFY2(!m.edge(w, sKey("a"))->uncertain, qPrintable(m.edge(w, sKey("a"))->evidence));
        QVERIFY(!m.edge(w, sKey("b")));
        // A client that has not written since (idle growing) adds no evidence, and stays a
        // producer for the window.
        b.addClients(sampleOf(13010, {client(1, "writer:1", "xadd", 2)}));
        s.added["b"] += 3;
        s.feed(b, 15000);
        b.addClients(sampleOf(15010, {client(1, "writer:1", "xadd", 4)}));
        s.feed(b, 17000);
        QVERIFY(b.map().edge(w, sKey("a")));
        QVERIFY(!b.map().edge(w, sKey("b")));
        // Gone for longer than the window: no longer drawn.
        s.feed(b, 50000);
        b.addClients(sampleOf(50010, {}));
        QVERIFY(!b.map().node(w));
    }

    void aServiceThatWouldMakeACycleStaysAProducer() {
        ServiceMapBuilder b;
        Script s;
        // "loop" consumes jobs and adds to jobs (a retry queue feeding itself).
        s.added["jobs"] = 1;
        s.groups["jobs"] = {group("jobs", "loop", 1, 0, {consumer("1")})};
        s.feed(b, 1000);
        b.addClients(sampleOf(1010, {client(1, "loop:1>jobs", "xreadgroup")}));
        s.feed(b, 3000);
        const ServiceMap m = b.map();
        checkLayout(m);
        QVERIFY(m.node(QStringLiteral("producer:loop")));
        QVERIFY(!m.node(gKey("jobs", "loop"))->alsoProduces);
        QVERIFY(m.edge(QStringLiteral("producer:loop"), sKey("jobs")));
    }

    void producersUnknownSaysWhy() {
        ServiceMapBuilder b;
        Script s;
        s.added["a"] = 1;
        s.feed(b, 1000);
        QVERIFY(b.map().producersNote.contains(QLatin1String("waiting")));
        ClientSample refused;
        refused.atMs = 1000;
        refused.unknown = QStringLiteral("no permission to run CLIENT LIST: add +client|list");
        b.addClients(refused);
        QVERIFY2(b.map().producersNote.contains(QLatin1String("+client|list")),
                 qPrintable(b.map().producersNote));
        ClientSample cut = sampleOf(3000, {client(1, "x", "get")});
        cut.truncated = true;
        b.addClients(cut);
        QVERIFY2(b.map().producersNote.contains(QLatin1String("Only the first 1 client")),
                 qPrintable(b.map().producersNote));
    }

    void fiftyStreamsStayReadable() {
        ServiceMapBuilder b;
        Script s;
        QList<ClientInfo> clients;
        for (int i = 0; i < 50; ++i) {
            const QByteArray name = "stream-" + QByteArray::number(i).rightJustified(2, '0');
            s.added[name] = 100;
            for (int g = 0; g < 3; ++g) {
                QList<ConsumerStatus> consumers;
                for (int c = 0; c < 4; ++c)
                    consumers << consumer("c" + QByteArray::number(c));
                s.groups[name] << group(name, "group-" + QByteArray::number(g), 100, 0, consumers);
            }
            clients << client(i + 1, "svc-" + QByteArray::number(i) + ">" + name, "xadd");
        }
        QElapsedTimer clock;
        for (int t = 0; t < 3; ++t) {
            for (auto &v : s.added)
                v += 10;
            for (auto &list : s.groups)
                for (GroupStatus &g : list)
                    *g.entriesRead += 10;
            clock.restart();
            s.feed(b, 1000 + t * 2000);
            b.addClients(sampleOf(1010 + t * 2000, clients));
            const ServiceMap m = b.map();
            const qint64 ms = clock.elapsed();
            QVERIFY2(ms < 100, qPrintable(QString::number(ms)));
            QCOMPARE(m.nodes.size(), 50 + 150 + 50);
            checkLayout(m);
            QCOMPARE(m.columns(), 3);
        }
        // Bounded producers: at most maxProducers drawn, the rest counted.
        ServiceMapBuilder::Options few;
        few.maxProducers = 10;
        ServiceMapBuilder bounded(few);
        s.feed(bounded, 1000);
        bounded.addClients(sampleOf(1010, clients));
        const ServiceMap m = bounded.map();
        int producers = 0;
        for (const ServiceMapNode &n : m.nodes)
            producers += n.kind == ServiceMapNode::Kind::Producer;
        QCOMPARE(producers, 10);
        QVERIFY2(m.producersNote.contains(QLatin1String("40 producers not drawn")),
                 qPrintable(m.producersNote));
    }
    // Against a real server: named connections adding, reading and acknowledging, the real
    // poller sampling CLIENT LIST, the Session feeding the builder.
    void aRealServerGivesTheMap() {
        LocalRedisServer server;
        STREAMSCOPE_START_REDIS(server);
        auto admin = connectTo(server.settings());
        QVERIFY(admin);
        run(*admin, {"XGROUP", "CREATE", "orders", "billing", "$", "MKSTREAM"});
        run(*admin, {"XADD", "audit", "*", "f", "v"}); // quiet: never grows
        Traffic traffic;
        QVERIFY(traffic.start(server.settings()));

        Session::Options options;
        options.poll = quickPolls();
        Session session(server.settings(), options);
        QSignalSpy maps(&session, &Session::serviceMapUpdated);
        session.setServiceMapWanted(true);
        session.start();
        const QString producer = QStringLiteral("producer:orders-api");
        const QString billing = gKey("orders", "billing");
        auto complete = [&] {
            const ServiceMap &m = session.serviceMap();
            const ServiceMapEdge *adds = m.edge(producer, sKey("orders"));
            const ServiceMapEdge *reads = m.edge(sKey("orders"), billing);
            return adds && !adds->uncertain && adds->perSecond && *adds->perSecond > 0 && reads
                   && reads->perSecond && *reads->perSecond > 0 && reads->acksPerSecond
                   && *reads->acksPerSecond > 0;
        };
        QTRY_VERIFY2_WITH_TIMEOUT(complete(), qPrintable(session.serviceMap().producersNote),
                                  20000);
        traffic.timer.stop();
        const ServiceMap m = session.serviceMap();
        checkLayout(m);
        QVERIFY(maps.size() >= 2);
        const ServiceMapNode *p = m.node(producer);
        QCOMPARE(p->kind, ServiceMapNode::Kind::Producer);
        QVERIFY(p->inferred);
        QCOMPARE(p->rank, 0);
        QCOMPARE(p->clients, QList<QByteArray>{"orders-api"});
        const ServiceMapEdge *adds = m.edge(producer, sKey("orders"));
        QVERIFY(adds->inferred);
        QVERIFY2(adds->evidence.contains(QLatin1String("xadd")), qPrintable(adds->evidence));
        QVERIFY(!m.edge(producer, sKey("audit")));
        QCOMPARE(m.node(sKey("orders"))->rank, 1);
        QVERIFY(m.node(sKey("audit")));
        const ServiceMapNode *g = m.node(billing);
        QCOMPARE(g->rank, 2);
        QCOMPARE(g->consumers.size(), 1);
        QCOMPARE(g->consumers[0].name, QByteArray("worker-1"));
        QVERIFY(!g->alsoProduces);
        // Nothing of StreamScope's own connections, nor the consumer, is a producer.
        for (const ServiceMapNode &n : m.nodes)
            QVERIFY2(n.kind != ServiceMapNode::Kind::Producer || n.key == producer,
                     qPrintable(n.key));
        // Not wanted: no more maps, no more CLIENT LIST.
        session.setServiceMapWanted(false);
        QTest::qWait(600);
        const qint64 calls = commandCalls(*admin, "client|list");
        const qsizetype count = maps.size();
        QTest::qWait(1500);
        QCOMPARE(commandCalls(*admin, "client|list"), calls);
        QCOMPARE(maps.size(), count);
    }

    // serve and the other pollers pay nothing: CLIENT LIST only when asked, then at most every
    // clientIntervalMs.
    void samplingIsOffByDefaultAndBounded() {
        LocalRedisServer server;
        STREAMSCOPE_START_REDIS(server);
        auto admin = connectTo(server.settings());
        run(*admin, {"XADD", "s", "*", "f", "v"});
        PollerController poller(server.settings(), quickPolls());
        QSignalSpy samples(poller.poller(), &ServerPoller::clientsSampled);
        QSignalSpy answered(poller.poller(), &ServerPoller::answered);
        poller.start();
        QTRY_VERIFY_WITH_TIMEOUT(answered.size() >= 8, 10000);
        QCOMPARE(samples.size(), 0);
        QCOMPARE(commandCalls(*admin, "client|list"), 0);
        poller.poller()->setClientSampling(true);
        QTRY_VERIFY_WITH_TIMEOUT(samples.size() >= 1, 5000);
        const qsizetype before = answered.size();
        QTest::qWait(2000);
        // Every 500 ms at most: about 4 in 2 s, not one a tick (8).
        QVERIFY2(samples.size() <= 6, qPrintable(QString::number(samples.size())));
        QVERIFY(answered.size() - before >= 3);
        const ClientSample sample = samples.last().at(0).value<ClientSample>();
        QVERIFY(sample.unknown.isEmpty());
        QVERIFY(sample.atMs > 0);
        bool own = false;
        for (const ClientInfo &c : sample.clients)
            own = own || c.name == "streamscope-poll";
        QVERIFY(own);

        // Bounded: at most maxClients parsed, and said.
        std::vector<std::unique_ptr<RedisConnection>> many;
        for (int i = 0; i < 5; ++i)
            many.push_back(connectTo(server.settings()));
        ServerPoller::Options few = quickPolls();
        few.sampleClients = true;
        few.maxClients = 3;
        PollerController bounded(server.settings(), few);
        QSignalSpy cut(bounded.poller(), &ServerPoller::clientsSampled);
        bounded.start();
        QTRY_VERIFY_WITH_TIMEOUT(cut.size() >= 1, 5000);
        const ClientSample c = cut.first().at(0).value<ClientSample>();
        QCOMPARE(c.clients.size(), 3);
        QVERIFY(c.truncated);
    }

    // A user who may not run CLIENT LIST: the producers are unknown and say why, once; the
    // poll goes on. The rule acl-rule prints lets the map see them.
    void noPermissionIsSaidOnceAndTheRuleAllowsIt() {
        LocalRedisServer server;
        STREAMSCOPE_START_REDIS(server);
        auto admin = connectTo(server.settings());
        run(*admin, {"XADD", "s", "*", "f", "v"});
        run(*admin, {"ACL", "SETUSER", "nolist", "on", ">pw", "~*", "+@all", "-client|list"});
        ConnectionSettings settings = server.settings();
        settings.user = QStringLiteral("nolist");
        settings.password = QStringLiteral("pw");
        ServerPoller::Options o = quickPolls();
        o.sampleClients = true;
        PollerController poller(settings, o);
        QSignalSpy samples(poller.poller(), &ServerPoller::clientsSampled);
        QSignalSpy failed(poller.poller(), &ServerPoller::pollFailed);
        QSignalSpy answered(poller.poller(), &ServerPoller::answered);
        poller.start();
        QTRY_VERIFY_WITH_TIMEOUT(answered.size() >= 10, 10000);
        QCOMPARE(samples.size(), 1);
        const ClientSample refused = samples.first().at(0).value<ClientSample>();
        QVERIFY2(refused.unknown.contains(QLatin1String("+client|list")),
                 qPrintable(refused.unknown));
        QCOMPARE(failed.size(), 0);
        ServiceMapBuilder b;
        b.addClients(refused);
        QVERIFY(b.map().producersNote.contains(QLatin1String("+client|list")));

        // The monitor rule of acl-rule, as printed: CLIENT LIST is in it.
        QProcess cli;
        cli.start(binDir() + QStringLiteral("/streamscope-cli"),
                  {QStringLiteral("acl-rule"), QStringLiteral("--user"), QStringLiteral("mon"),
                   QStringLiteral("--new-password"), QStringLiteral("pw")});
        QVERIFY(cli.waitForFinished(10000));
        const QString rule = QString::fromUtf8(cli.readAllStandardOutput()).trimmed();
        QVERIFY2(rule.contains(QLatin1String(" +client|list")), qPrintable(rule));
        Command command;
        for (const QString &word : rule.split(QLatin1Char(' ')))
            command << word.toUtf8();
        QVERIFY(run(*admin, command).isStatus());
        settings.user = QStringLiteral("mon");
        PollerController allowed(settings, o);
        QSignalSpy ok(allowed.poller(), &ServerPoller::clientsSampled);
        allowed.start();
        QTRY_VERIFY_WITH_TIMEOUT(ok.size() >= 1, 5000);
        const ClientSample sample = ok.first().at(0).value<ClientSample>();
        QVERIFY2(sample.unknown.isEmpty(), qPrintable(sample.unknown));
        QVERIFY(!sample.clients.isEmpty());
    }
    // The demo shop's own services, as processes, on a real server: the map reads
    // order-service -> order-events -> payment-service (2 consumers) -> payment-events ->
    // order-service / notification-service.
    void theShopsServicesGiveTheChain() {
        LocalRedisServer server;
        STREAMSCOPE_START_REDIS(server);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::vector<std::unique_ptr<ServiceProcess>> services;
        auto start = [&](const QString &program, QStringList args) {
            args = QStringList{QStringLiteral("--url"), server.url()} + args;
            services.push_back(std::make_unique<ServiceProcess>(
                program, args, dir.filePath(program + QString::number(services.size()) + ".log")));
            return services.back()->start();
        };
        QVERIFY(start(QStringLiteral("order-service"),
                      {QStringLiteral("--http"), QStringLiteral("0"), QStringLiteral("--db"),
                       dir.filePath(QStringLiteral("orders.db")), QStringLiteral("--generate"),
                       QStringLiteral("20")}));
        for (const char *consumer : {"payments-1", "payments-2"})
            QVERIFY(start(QStringLiteral("payment-service"),
                          {QStringLiteral("--consumer"), QLatin1String(consumer),
                           QStringLiteral("--db"), dir.filePath(QStringLiteral("payments.db"))}));
        QVERIFY(start(QStringLiteral("notification-service"),
                      {QStringLiteral("--consumer"), QStringLiteral("notifier-1")}));

        Session::Options options;
        options.poll = quickPolls();
        Session session(server.settings(), options);
        session.setServiceMapWanted(true);
        session.start();
        const QString orderService = QStringLiteral("producer:order-service");
        const QString payment = gKey("order-events", "payment-service");
        auto chain = [&] {
            const ServiceMap &m = session.serviceMap();
            const ServiceMapNode *p = m.node(payment);
            return m.edge(orderService, sKey("order-events"))
                   && m.edge(sKey("order-events"), payment) && p && p->alsoProduces
                   && p->consumers.size() == 2 && m.edge(payment, sKey("payment-events"))
                   && m.edge(sKey("payment-events"), gKey("payment-events", "order-service"))
                   && m.edge(sKey("payment-events"),
                             gKey("payment-events", "notification-service"));
        };
        QTRY_VERIFY2_WITH_TIMEOUT(chain(), qPrintable(session.serviceMap().producersNote), 30000);
        // Rates come with the next polls.
        QTRY_VERIFY_WITH_TIMEOUT(
            session.serviceMap().edge(sKey("order-events"), payment)->perSecond.value_or(0) > 0,
            10000);
        const ServiceMap m = session.serviceMap();
        checkLayout(m);
        QCOMPARE(m.node(orderService)->rank, 0);
        QCOMPARE(m.node(sKey("order-events"))->rank, 1);
        QCOMPARE(m.node(payment)->rank, 2);
        QCOMPARE(m.node(sKey("payment-events"))->rank, 3);
        QCOMPARE(m.node(gKey("payment-events", "order-service"))->rank, 4);
        QCOMPARE(m.node(gKey("payment-events", "notification-service"))->rank, 4);
        QCOMPARE(m.node(payment)->consumers[0].name, QByteArray("payments-1"));
        QCOMPARE(m.node(payment)->consumers[1].name, QByteArray("payments-2"));
        // The relay declares order-events; order-service's consumer is not a producer.
        QCOMPARE(m.node(orderService)->clients,
                 QList<QByteArray>{"order-service:relay>order-events"});
        QVERIFY(!m.edge(orderService, sKey("payment-events")));
        for (const ServiceMapNode &n : m.nodes)
            QVERIFY2(n.kind != ServiceMapNode::Kind::Producer || n.key == orderService,
                     qPrintable(n.key));
        for (auto &service : services)
            service->stop();
    }
    // On a cluster every primary is asked: a producer connected to the node that serves its
    // stream (not the one in the URL) is found, and its stream's growth is matched on that node.
    void aClusterIsSampledOnEveryPrimary() {
        LocalRedisCluster cluster;
        const Error started = cluster.start();
        QVERIFY2(!started,
                 qPrintable(QStringLiteral("cannot start the test cluster: ") + started.message));
        ConnectionSettings named = cluster.settings(0);
        named.clientName = QStringLiteral("orders-api");
        auto producer = openCluster(named);
        QVERIFY(producer);
        // A stream served by another primary than node 0.
        QString elsewhere;
        for (const RedisClient::Node &n : producer->nodes())
            if (n.primary && n.endpoint != cluster.settings(0).endpoint())
                elsewhere = n.endpoint;
        QVERIFY(!elsewhere.isEmpty());
        const QByteArray stream = keyOn(*producer, elsewhere, "orders");
        QVERIFY(!stream.isEmpty());
        QVERIFY(producer->command({"XADD", stream, "*", "n", "0"}).ok());

        Session::Options options;
        options.poll = quickPolls();
        Session session(cluster.settings(0), options);
        session.setServiceMapWanted(true);
        QSignalSpy samples(session.poller(), &ServerPoller::clientsSampled);
        session.start();
        QTimer traffic;
        int n = 0;
        QObject::connect(&traffic, &QTimer::timeout, [&] {
            (void)producer->command({"XADD", stream, "*", "n", QByteArray::number(++n)});
        });
        traffic.start(50);
        const QString key = QStringLiteral("producer:orders-api");
        QTRY_VERIFY2_WITH_TIMEOUT(
            session.serviceMap().edge(key, QStringLiteral("stream:") + QString::fromUtf8(stream)),
            qPrintable(session.serviceMap().producersNote), 30000);
        traffic.stop();
        // The samples held clients of every primary (the poller's connection to each).
        const ClientSample last = samples.last().at(0).value<ClientSample>();
        QVERIFY(last.partial.isEmpty());
        int pollers = 0;
        QSet<qint64> ids;
        for (const ClientInfo &c : last.clients) {
            pollers += c.name == "streamscope-poll" ? 1 : 0;
            ids.insert(c.id);
        }
        QVERIFY2(pollers >= 2, qPrintable(QString::number(pollers)));
        QCOMPARE(ids.size(), last.clients.size()); // told apart across nodes
    }
};

QTEST_MAIN(TestServiceMap)
#include "tst_servicemap.moc"
