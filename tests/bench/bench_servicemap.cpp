// The service map's update time: what the GUI thread spends per poll while the map is shown
// (ServiceMapBuilder::addStreams + addSnapshot + addClients + map()), from scripted polls with
// traffic between them, for
//   1. the demo shop (2 streams, 3 groups, 5 services' connections), and
//   2. 50 streams x 3 groups x 4 consumers, 50 producers and 200 other connections,
// each over ROUNDS updates (default 300) after 30 to warm up, printed as median, p99 and max
// beside the budget (16 ms: one frame; the map updates once a poll).
// Usage: bench_servicemap [ROUNDS]
#include "ServiceMap.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>

using namespace streamscope;

namespace {

constexpr double budgetMs = 16.0;

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

Poll makePoll(const Setup &setup, int round, qint64 atMs, bool shop) {
    Poll p;
    p.snapshot.atMs = atMs;
    p.clients.atMs = atMs + 5;
    auto streamName = [&](int i) {
        return shop ? QByteArray(i == 0 ? "order-events" : "payment-events")
                    : "stream-" + QByteArray::number(i).rightJustified(2, '0');
    };
    auto groupName = [&](int i, int g) {
        if (shop)
            return QByteArray(i == 0 ? "payment-service"
                                     : (g == 0 ? "notification-service" : "order-service"));
        return "group-" + QByteArray::number(g);
    };
    for (int i = 0; i < setup.streams; ++i) {
        StreamInfo info;
        info.name = streamName(i);
        const qint64 added = 1000 + qint64(round) * (5 + i % 7);
        info.length = added;
        info.entriesAdded = added;
        info.lastGeneratedId = StreamId{quint64(added), 0};
        p.streams << info;
        StreamStatus status;
        status.info = info;
        status.sampledAtMs = atMs;
        const int groups = shop ? (i == 0 ? 1 : 2) : setup.groups;
        for (int g = 0; g < groups; ++g) {
            GroupStatus gs;
            gs.stream = info.name;
            gs.name = groupName(i, g);
            gs.entriesRead = added - 3;
            gs.lag = 3;
            gs.pending = 2 + (round % 3);
            const int consumers = shop && i == 0 ? 2 : (shop ? 1 : setup.consumers);
            for (int c = 0; c < consumers; ++c) {
                ConsumerStatus cs;
                cs.name = "c-" + QByteArray::number(c);
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
    auto client = [&](const QByteArray &name, const QByteArray &cmd) {
        ClientInfo c;
        c.id = id++;
        c.name = name;
        c.cmd = cmd;
        c.addr = "10.0.0.1:" + QByteArray::number(20000 + c.id);
        p.clients.clients << c;
    };
    if (shop) {
        client("order-service:relay>order-events", "evalsha");
        client("order-service:order-service-1", "xreadgroup");
        client("payment-service:payments-1>payment-events", "xreadgroup");
        client("payment-service:payments-2>payment-events", "xreadgroup");
        client("notification-service:notifier-1", "xreadgroup");
        client("streamscope-poll", "client|list");
    } else {
        for (int i = 0; i < setup.streams; ++i)
            client("producer-" + QByteArray::number(i), "xadd"); // inferred, not declared
    }
    for (int i = 0; i < setup.otherClients; ++i)
        client("worker:" + QByteArray::number(i), "xreadgroup");
    return p;
}

void measure(const Setup &setup, bool shop, int rounds) {
    ServiceMapBuilder builder;
    QList<double> ms;
    int nodes = 0, edges = 0;
    const int warmup = 30;
    for (int r = 0; r < warmup + rounds; ++r) {
        const qint64 at = 1000000 + qint64(r) * 2000;
        const Poll poll = makePoll(setup, r, at, shop); // made outside the measurement
        QElapsedTimer clock;
        clock.start();
        builder.addStreams(poll.streams, at);
        builder.addSnapshot(poll.snapshot);
        builder.addClients(poll.clients);
        const ServiceMap map = builder.map();
        const double elapsed = double(clock.nsecsElapsed()) / 1e6;
        if (r >= warmup)
            ms << elapsed;
        nodes = int(map.nodes.size());
        edges = int(map.edges.size());
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms.at(ms.size() / 2);
    const double p99 = ms.at(qMin(ms.size() - 1, qsizetype(double(ms.size()) * 0.99)));
    std::printf("%-32s %4d nodes %4d edges  median %7.3f ms  p99 %7.3f ms  max %7.3f ms  "
                "budget %.0f ms: %s\n",
                setup.name, nodes, edges, median, p99, ms.last(), budgetMs,
                p99 <= budgetMs ? "within" : "OVER");
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
    return 0;
}
