// The service map's update time: what the GUI thread spends per poll while the map is shown
// (ServiceMapBuilder::addStreams + addSnapshot + addClients + map()), from scripted polls with
// traffic between them, for
//   1. the demo shop (2 streams, 3 groups, 5 services' connections), and
//   2. 50 streams x 3 groups x 4 consumers, 50 undeclared producers (the builder infers which
//      stream each adds to) and 200 other connections,
//   3. for scale, the poller's limit: 1,000 streams x 3 groups x 2 consumers, 1,000 producers
//      and 500 other connections (at most 60 updates),
// each over ROUNDS updates (default 300) after 30 to warm up: the thread's CPU time (median,
// p99, max) beside the budget (16 ms: one frame; the map updates once a poll), and the wall
// clock, which on a busy machine also counts the time other processes held the core.
// Usage: bench_servicemap [ROUNDS]   (BENCH_PARTS=1: the last update's parts; BENCH_DEBUG=1: the
// producers' evidence)
#include "ServiceMap.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <time.h>

#include <algorithm>
#include <cstdio>

using namespace streamscope;

namespace {

constexpr double budgetMs = 16.0;

// This thread's CPU time in ms: what the update costs, without the time other processes of a
// busy machine take the core away (the wall clock is printed too).
double threadCpuMs() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

struct Setup {
    const char *name;
    int streams;
    int groups;
    int consumers;
    int otherClients;
};

// One poll's input, as the session would feed it.
struct Poll {
    StreamInfoList streams;
    GroupSnapshot snapshot;
    ClientSample clients;
};

// Scripted traffic: in the shop every stream grows every poll; in the 50-stream setup each
// stream grows in about a third of the polls (its own pseudo-random pattern), and its producer
// (an undeclared connection, named producer-N, running XADD) writes exactly then, so the
// builder has to infer which stream each one adds to.
class Traffic {
public:
    Traffic(const Setup &setup, bool shop)
        : m_setup(setup)
        , m_shop(shop)
        , m_added(setup.streams, 1000)
        , m_lastWrite(setup.streams, 0) {}

    Poll next(int round, qint64 atMs) {
        Poll p;
        p.snapshot.atMs = atMs;
        p.clients.atMs = atMs + 5;
        QList<bool> grew(m_setup.streams, false);
        for (int i = 0; i < m_setup.streams; ++i) {
            grew[i] = m_shop || mix(quint32(i), quint32(round)) % 3 == 0;
            if (grew[i]) {
                m_added[i] += 5 + i % 7;
                m_lastWrite[i] = atMs;
            }
        }
        for (int i = 0; i < m_setup.streams; ++i) {
            StreamInfo info;
            info.name = streamName(i);
            const qint64 added = m_added[i];
            info.length = added;
            info.entriesAdded = added;
            info.lastGeneratedId = StreamId{quint64(added), 0};
            p.streams << info;
            StreamStatus status;
            status.info = info;
            status.sampledAtMs = atMs;
            const int groups = m_shop ? (i == 0 ? 1 : 2) : m_setup.groups;
            for (int g = 0; g < groups; ++g) {
                GroupStatus gs;
                gs.stream = info.name;
                gs.name = groupName(i, g);
                gs.entriesRead = added - 3;
                gs.lag = 3;
                gs.pending = 2 + (round % 3);
                const int consumers = m_shop ? (i == 0 ? 2 : 1) : m_setup.consumers;
                for (int c = 0; c < consumers; ++c) {
                    ConsumerStatus cs;
                    cs.name = consumerName(i, g, c);
                    cs.pending = c == 0 ? gs.pending : 0;
                    cs.idleMs = 100;
                    gs.consumerList << cs;
                }
                gs.consumers = consumers;
                status.groups << gs;
            }
            p.snapshot.streams << status;
        }
        qint64 id = 1;
        auto client = [&](const QByteArray &name, const QByteArray &cmd, qint64 idle = 0) {
            ClientInfo c;
            c.id = id++;
            c.name = name;
            c.cmd = cmd;
            c.idleSeconds = idle;
            c.addr = "10.0.0.1:" + QByteArray::number(20000 + c.id);
            p.clients.clients << c;
        };
        if (m_shop) {
            client("order-service:relay>order-events", "evalsha");
            client("order-service:order-service-1", "xreadgroup");
            client("payment-service:payments-1>payment-events", "xreadgroup");
            client("payment-service:payments-2>payment-events", "xreadgroup");
            client("notification-service:notifier-1", "xreadgroup");
            client("streamscope-poll", "client|list");
        } else {
            for (int i = 0; i < m_setup.streams; ++i)
                client("producer-" + QByteArray::number(i), "xadd", (atMs - m_lastWrite[i]) / 1000);
        }
        for (int i = 0; i < m_setup.otherClients; ++i)
            client("worker:" + QByteArray::number(i), "xreadgroup");
        return p;
    }

private:
    static quint32 mix(quint32 a, quint32 b) {
        quint32 x = a * 0x9e3779b1u ^ (b + 0x7f4a7c15u) * 0x85ebca77u;
        x ^= x >> 15;
        x *= 0x2c1b3c6du;
        x ^= x >> 12;
        x *= 0x297a2d39u;
        x ^= x >> 15;
        return x;
    }
    QByteArray streamName(int i) const {
        return m_shop ? QByteArray(i == 0 ? "order-events" : "payment-events")
                      : "stream-" + QByteArray::number(i).rightJustified(2, '0');
    }
    // The shop's consumers are named as its connections' instances (payments-1 is the consumer
    // of payment-service:payments-1>payment-events).
    QByteArray consumerName(int i, int g, int c) const {
        if (!m_shop)
            return "c-" + QByteArray::number(c);
        if (i == 0)
            return "payments-" + QByteArray::number(c + 1);
        return g == 0 ? "notifier-1" : "order-service-1";
    }
    QByteArray groupName(int i, int g) const {
        if (m_shop)
            return QByteArray(i == 0 ? "payment-service"
                                     : (g == 0 ? "notification-service" : "order-service"));
        return "group-" + QByteArray::number(g);
    }
    Setup m_setup;
    bool m_shop;
    QList<qint64> m_added;
    QList<qint64> m_lastWrite;
};

void measure(const Setup &setup, bool shop, int rounds) {
    ServiceMapBuilder builder;
    Traffic traffic(setup, shop);
    QList<double> ms, cpu;
    int nodes = 0, edges = 0, producers = 0, certain = 0;
    const int warmup = 30;
    for (int r = 0; r < warmup + rounds; ++r) {
        const qint64 at = 1000000 + qint64(r) * 2000;
        const Poll poll = traffic.next(r, at); // made outside the measurement
        QElapsedTimer clock;
        clock.start();
        const double cpuStart = threadCpuMs();
        const double c0 = threadCpuMs();
        builder.addStreams(poll.streams, at);
        const double c1 = threadCpuMs();
        builder.addSnapshot(poll.snapshot);
        const double c2 = threadCpuMs();
        builder.addClients(poll.clients);
        const double c3 = threadCpuMs();
        const ServiceMap map = builder.map();
        const double c4 = threadCpuMs();
        if (qEnvironmentVariableIsSet("BENCH_PARTS") && r == warmup + rounds - 1)
            std::printf("streams %.2f snapshot %.2f clients %.2f map %.2f ms\n", c1 - c0, c2 - c1,
                        c3 - c2, c4 - c3);
        const double elapsed = double(clock.nsecsElapsed()) / 1e6;
        const double used = threadCpuMs() - cpuStart;
        if (r >= warmup) {
            ms << elapsed;
            cpu << used;
        }
        nodes = int(map.nodes.size());
        edges = int(map.edges.size());
        producers = certain = 0;
        for (const ServiceMapEdge &e : map.edges)
            if (e.kind == ServiceMapEdge::Kind::Produces) {
                ++producers;
                certain += e.uncertain ? 0 : 1;
            }
    }
    if (qEnvironmentVariableIsSet("BENCH_DEBUG"))
        for (const ServiceMapEdge &e : builder.map().edges)
            if (e.kind == ServiceMapEdge::Kind::Produces)
                std::printf("%s -> %s: %s\n", qPrintable(e.from), qPrintable(e.to),
                            qPrintable(e.evidence));
    auto percentile = [](QList<double> v, double q) {
        std::sort(v.begin(), v.end());
        return v.at(qMin(v.size() - 1, qsizetype(double(v.size()) * q)));
    };
    const double cpuP99 = percentile(cpu, 0.99);
    std::printf("%s: %d nodes, %d edges (%d produces, %d told apart)\n"
                "  wall: median %.3f ms, p99 %.3f ms, max %.3f ms\n"
                "  cpu:  median %.3f ms, p99 %.3f ms, max %.3f ms   budget %.0f ms: %s\n",
                setup.name, nodes, edges, producers, certain, percentile(ms, 0.5),
                percentile(ms, 0.99), percentile(ms, 1.0), percentile(cpu, 0.5), cpuP99,
                percentile(cpu, 1.0), budgetMs, cpuP99 <= budgetMs ? "within" : "OVER");
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const int rounds = argc > 1 ? qMax(1, atoi(argv[1])) : 300;
    std::printf("service map update (addStreams + addSnapshot + addClients + map()), %d "
                "updates each\n",
                rounds);
    measure({"shop (2 streams, 3 groups)", 2, 0, 0, 0}, true, rounds);
    measure({"50 streams x 3 groups x 4", 50, 3, 4, 200}, false, rounds);
    // The poller's default limit, for scale (not readable as a picture, but the GUI thread pays).
    measure({"1000 streams x 3 groups x 2", 1000, 3, 2, 500}, false, qMin(rounds, 60));
    return 0;
}
