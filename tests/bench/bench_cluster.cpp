// StreamScope on a private 3-primary, 3-replica Redis Cluster (LocalRedisCluster), each figure
// printed beside its target and, where there is one, a baseline measured in the same run:
//   1. catch-up drain of ENTRIES small entries (default 1,000,000) spread over 12 streams, four
//      on each primary, through StreamTailer (from 0 until every entry arrived), against plain
//      hiredis loops run in parallel, one thread per primary, each reading that node's streams
//      with XREAD COUNT 1000 (one key per XREAD: keys of different slots cannot share one).
//      Median of 3 runs each; target: StreamTailer's rate >= 0.8 x the loops'.
//   2. doctor (runDoctor) over 3,000 streams x 3 groups spread over the shards: median of 3
//      runs, with the streams and groups it saw; target < 2 s.
//   3. what watching 1,000 streams with a group each costs every node at rest, watched the way
//      the GUI does (a ServerPoller, and a StreamTailer given every stream it lists, from "$"):
//      CPU of each node's redis-server (/proc/PID/stat) and bytes/s it sends its clients (INFO
//      stats total_net_output_bytes less total_net_repl_output_bytes) over SECONDS, against the
//      same nodes with nobody watching measured just before, and with the poller alone;
//      target per node as standalone: <= 0.3 % of a core, <= 100 KB/s.
// A part that fails says why and the others still run; exit 0 only when every target is met.
// Usage: bench_cluster [ENTRIES] [SECONDS]   (defaults 1000000 and 20)
#include "BenchSupport.h"
#include "ClusterSlots.h"
#include "Doctor.h"
#include "LocalRedisCluster.h"
#include "RedisClient.h"
#include "RedisConnection.h"
#include "ServerPoller.h"
#include "StreamTailer.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <hiredis/hiredis.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>

using namespace streamscope;

namespace {

constexpr int drainStreamsPerPrimary = 4;
constexpr int repeats = 3;

void runFor(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

double median(QList<double> values) {
    std::sort(values.begin(), values.end());
    return values.isEmpty() ? 0 : values.at(values.size() / 2);
}

// Bytes the node sent to its clients: total_net_output_bytes less what it sent its replicas
// (total_net_repl_output_bytes, 7.0+), which watching does not change.
qint64 outputBytes(RedisConnection &node) {
    auto info = node.command({"INFO", "stats"});
    if (!info.ok() || info->isError())
        return -1;
    qint64 total = -1, replication = 0;
    for (const QByteArray &line : info->bytes().split('\n')) {
        if (line.startsWith("total_net_output_bytes:"))
            total = line.mid(23).trimmed().toLongLong();
        else if (line.startsWith("total_net_repl_output_bytes:"))
            replication = line.mid(28).trimmed().toLongLong();
    }
    return total < 0 ? -1 : total - replication;
}

// The primary serving each key, from the client's slot map.
QString ownerOf(const RedisClient &client, const QByteArray &key) {
    const int slot = cluster::keySlot(key);
    for (const RedisClient::Node &n : client.nodes())
        if (n.primary)
            for (const auto &[first, last] : n.slotRanges)
                if (slot >= first && slot <= last)
                    return n.endpoint;
    return {};
}

bool send(RedisClient &client, const QList<Command> &commands) {
    for (qsizetype i = 0; i < commands.size(); i += 5000) {
        auto replies = client.pipeline(commands.mid(i, 5000), 120000);
        if (!bench::done(replies, "load"))
            return false;
        for (const RedisReply &r : replies.value())
            if (r.isError()) {
                std::fprintf(stderr, "load: %s\n", qPrintable(r.errorMessage()));
                return false;
            }
    }
    return true;
}

bool flushAll(RedisClient &client) {
    for (const RedisClient::NodeReply &r : client.onEveryPrimary({"FLUSHALL"}))
        if (!bench::done(r.reply, "FLUSHALL"))
            return false;
    return true;
}

// ---- 1. catch-up drain ----------------------------------------------------------------------

// One primary's plain hiredis loop: XREAD COUNT 1000 on each of its streams in turn until
// every one is drained. Returns the entries read, -1 on an error.
long hiredisDrain(const QString &endpoint, const QList<QByteArray> &streams) {
    const QStringList hostPort = endpoint.split(QLatin1Char(':'));
    redisContext *c = redisConnect(qPrintable(hostPort.first()), hostPort.last().toInt());
    if (!c || c->err) {
        std::fprintf(stderr, "hiredis connect %s: %s\n", qPrintable(endpoint),
                     c ? c->errstr : "out of memory");
        if (c)
            redisFree(c);
        return -1;
    }
    QList<QByteArray> last(streams.size(), QByteArray("0"));
    QList<bool> done(streams.size(), false);
    long total = 0;
    for (qsizetype open = streams.size(); open > 0;) {
        for (qsizetype i = 0; i < streams.size(); ++i) {
            if (done.at(i))
                continue;
            auto *r = static_cast<redisReply *>(redisCommand(
                c, "XREAD COUNT 1000 STREAMS %b %b", streams.at(i).constData(),
                size_t(streams.at(i).size()), last.at(i).constData(), size_t(last.at(i).size())));
            if (!r || r->type == REDIS_REPLY_ERROR) {
                std::fprintf(stderr, "hiredis XREAD: %s\n", r ? r->str : c->errstr);
                if (r)
                    freeReplyObject(r);
                redisFree(c);
                return -1;
            }
            size_t got = 0;
            if (r->type == REDIS_REPLY_ARRAY) {
                const redisReply *entries = r->element[0]->element[1];
                got = entries->elements;
                total += long(got);
                const redisReply *lastEntry = entries->element[got - 1];
                last[i] = QByteArray(lastEntry->element[0]->str, int(lastEntry->element[0]->len));
            }
            freeReplyObject(r);
            if (got < 1000) {
                done[i] = true;
                --open;
            }
        }
    }
    redisFree(c);
    return total;
}

// All primaries' loops in parallel, one thread each: seconds until the last one finished, or
// -1 when a loop failed or read another count than expected.
double hiredisRun(const QHash<QString, QList<QByteArray>> &byNode, long expected) {
    QElapsedTimer clock;
    clock.start();
    std::vector<long> counts(size_t(byNode.size()), 0);
    std::vector<std::thread> threads;
    size_t i = 0;
    for (auto it = byNode.cbegin(); it != byNode.cend(); ++it, ++i)
        threads.emplace_back([&counts, i, endpoint = it.key(), streams = it.value()] {
            counts[i] = hiredisDrain(endpoint, streams);
        });
    for (std::thread &t : threads)
        t.join();
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    long total = 0;
    for (long n : counts) {
        if (n < 0)
            return -1;
        total += n;
    }
    if (total != expected) {
        std::fprintf(stderr, "hiredis loops read %ld entries, expected %ld\n", total, expected);
        return -1;
    }
    return seconds;
}

// StreamTailer from "0" on every stream until all entries arrived: seconds, or -1 (said why).
double tailerRun(const ConnectionSettings &settings, const QList<QByteArray> &streams,
                 long expected) {
    TailController tail(settings, StreamTailer::Options());
    StreamTailer *tailer = tail.tailer();
    for (const QByteArray &s : streams)
        tailer->addStream(s, "0");
    long received = 0;
    QString failure;
    QEventLoop loop;
    QObject::connect(tailer, &StreamTailer::entriesReceived, &loop,
                     [&](const StreamEntryList &batch) {
                         received += long(batch.size());
                         if (received >= expected)
                             loop.quit();
                     });
    QObject::connect(tailer, &StreamTailer::failed, &loop, [&](const Error &e) {
        failure = e.message;
        loop.quit();
    });
    QObject::connect(tailer, &StreamTailer::streamFailed, &loop,
                     [&](const QByteArray &stream, const QString &message) {
                         failure = QString::fromUtf8(stream) + QStringLiteral(": ") + message;
                         loop.quit();
                     });
    QString lastState;
    QObject::connect(
        tailer, &StreamTailer::stateChanged, &loop, [&](TailState state, const QString &detail) {
            lastState = tailStateName(state)
                        + (detail.isEmpty() ? QString() : QStringLiteral(": ") + detail);
        });
    // A tail that stops making progress is not waited for forever.
    QTimer watchdog;
    long lastSeen = -1;
    QObject::connect(&watchdog, &QTimer::timeout, &loop, [&] {
        if (received == lastSeen) {
            failure = QStringLiteral("no entry arrived for 30 s (%1 of %2 received; its state: "
                                     "%3)")
                          .arg(received)
                          .arg(expected)
                          .arg(lastState);
            loop.quit();
        }
        lastSeen = received;
    });
    watchdog.start(30000);
    QElapsedTimer clock;
    clock.start();
    tail.start();
    loop.exec();
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    if (failure.isEmpty() && received != expected)
        failure = QStringLiteral("received %1 entries, expected %2").arg(received).arg(expected);
    if (!failure.isEmpty()) {
        std::fprintf(stderr, "StreamTailer: %s\n", qPrintable(failure));
        return -1;
    }
    return seconds;
}

// Returns whether the target was met; *ran false when the part could not run.
bool drain(LocalRedisCluster &cluster, RedisClient &client, long entries, bool *ran) {
    *ran = false;
    // Four streams per primary, the entries dealt out evenly.
    QHash<QString, QList<QByteArray>> byNode;
    QList<QByteArray> streams;
    for (int i = 0; streams.size() < 3 * drainStreamsPerPrimary && i < 10000; ++i) {
        const QByteArray key = "drain:" + QByteArray::number(i);
        QList<QByteArray> &mine = byNode[ownerOf(client, key)];
        if (mine.size() < drainStreamsPerPrimary) {
            mine << key;
            streams << key;
        }
    }
    if (streams.size() != 3 * drainStreamsPerPrimary || byNode.size() != 3) {
        std::fprintf(stderr, "drain: could not place %d streams on each of 3 primaries\n",
                     drainStreamsPerPrimary);
        return false;
    }
    QElapsedTimer clock;
    clock.start();
    QList<Command> load;
    for (long n = 0; n < entries; ++n) {
        load.append({"XADD", streams.at(n % streams.size()), "*", "seq", QByteArray::number(n),
                     "type", "order.created", "amount", "4711"});
        if (load.size() == 50000 || n + 1 == entries) {
            if (!send(client, load))
                return false;
            load.clear();
        }
    }
    std::printf("1. catch-up drain: %ld entries in %lld streams (%d per primary), loaded in %.1f "
                "s\n",
                entries, qlonglong(streams.size()), drainStreamsPerPrimary,
                double(clock.elapsed()) / 1000.0);
    std::fflush(stdout);

    QList<double> base, ours;
    for (int r = 0; r < repeats; ++r) {
        const double h = hiredisRun(byNode, entries);
        if (h < 0)
            return false;
        base << h;
        std::printf("   hiredis loops, run %d: %.2f s\n", r + 1, h);
        std::fflush(stdout);
    }
    for (int r = 0; r < repeats; ++r) {
        const double t = tailerRun(cluster.settings(0), streams, entries);
        if (t < 0)
            return false;
        ours << t;
        std::printf("   StreamTailer, run %d: %.2f s\n", r + 1, t);
        std::fflush(stdout);
    }
    *ran = true;
    const double b = median(base), o = median(ours);
    const double ratio = b / o;
    std::printf("   plain hiredis, one thread per primary: %9.0f entries/s (median %.2f s)\n",
                double(entries) / b, b);
    std::printf("   StreamTailer from a primary's URL:     %9.0f entries/s (median %.2f s, "
                "connect and discovery included)\n",
                double(entries) / o, o);
    std::printf("   ratio (StreamTailer / hiredis): %.2f (target >= 0.80)\n", ratio);
    std::fflush(stdout);
    return ratio >= 0.8;
}

// ---- 2. doctor ------------------------------------------------------------------------------

bool doctor(RedisClient &client, bool *ran) {
    *ran = false;
    constexpr int streams = 3000, groups = 3;
    QList<Command> setup;
    QHash<QString, int> perNode;
    for (int i = 0; i < streams; ++i) {
        const QByteArray key = "doctor:" + QByteArray::number(i);
        ++perNode[ownerOf(client, key)];
        setup.append({"XADD", key, "*", "seq", "1", "type", "tick"});
        setup.append({"XADD", key, "*", "seq", "2", "type", "tick"});
        for (int g = 0; g < groups; ++g)
            setup.append({"XGROUP", "CREATE", key, "group" + QByteArray::number(g), "0"});
        // One consumer of one group read the first entry and has it pending.
        setup.append(
            {"XREADGROUP", "GROUP", "group0", "worker", "COUNT", "1", "STREAMS", key, ">"});
    }
    if (!send(client, setup))
        return false;
    QStringList spread;
    for (auto it = perNode.cbegin(); it != perNode.cend(); ++it)
        spread << QStringLiteral("%1 on %2").arg(it.value()).arg(it.key());
    std::printf("2. doctor over %d streams x %d groups (%s)\n", streams, groups,
                qPrintable(spread.join(QStringLiteral(", "))));
    std::fflush(stdout);

    QList<double> times;
    for (int r = 0; r < repeats; ++r) {
        QElapsedTimer clock;
        clock.start();
        auto report = runDoctor(client, "doctor:*", HealthOptions());
        const double seconds = double(clock.nsecsElapsed()) / 1e9;
        if (!bench::done(report, "runDoctor"))
            return false;
        qsizetype groupsSeen = 0;
        for (const DoctorReport::Stream &s : report->streams)
            groupsSeen += s.groups.size();
        std::printf("   run %d: %.2f s, %lld streams, %lld groups, %d finding(s), %lld node(s) "
                    "missing%s\n",
                    r + 1, seconds, qlonglong(report->streams.size()), qlonglong(groupsSeen),
                    report->findingCount(), qlonglong(report->missing.size()),
                    report->truncated ? ", truncated" : "");
        std::fflush(stdout);
        if (report->streams.size() != streams || groupsSeen != streams * groups) {
            std::fprintf(stderr, "doctor saw %lld streams and %lld groups, not %d and %d\n",
                         qlonglong(report->streams.size()), qlonglong(groupsSeen), streams,
                         streams * groups);
            return false;
        }
        times << seconds;
    }
    *ran = true;
    const double m = median(times);
    std::printf("   doctor: %.2f s (median of %d; target < 2 s)\n", m, repeats);
    std::fflush(stdout);
    return m < 2.0;
}

// ---- 3. idle cost per node ------------------------------------------------------------------

struct NodeSample {
    double cpuSeconds = 0;
    qint64 outBytes = 0;
};

struct NodeProbe {
    QString endpoint;
    qint64 pid = 0;
    std::unique_ptr<RedisConnection> connection;
};

QList<NodeSample> sample(std::vector<NodeProbe> &nodes) {
    QList<NodeSample> out;
    for (NodeProbe &n : nodes)
        out.append({bench::cpuSeconds(n.pid), outputBytes(*n.connection)});
    return out;
}

// CPU % of a core and KB/s sent per node over seconds.
QList<QPair<double, double>> measure(std::vector<NodeProbe> &nodes, int seconds) {
    const QList<NodeSample> before = sample(nodes);
    QElapsedTimer clock;
    clock.start();
    runFor(seconds * 1000);
    const double elapsed = double(clock.elapsed()) / 1000.0;
    const QList<NodeSample> after = sample(nodes);
    QList<QPair<double, double>> out;
    for (qsizetype i = 0; i < before.size(); ++i)
        out.append({(after.at(i).cpuSeconds - before.at(i).cpuSeconds) * 100.0 / elapsed,
                    double(after.at(i).outBytes - before.at(i).outBytes) / 1000.0 / elapsed});
    return out;
}

// Watches the cluster the way the GUI does (a ServerPoller, and, with tail, a StreamTailer given
// every stream the poller lists, from "$"), lets it settle, then measures every node. Empty
// when the poller did not list every stream (said why).
QList<QPair<double, double>> measureWatching(const ConnectionSettings &settings,
                                             std::vector<NodeProbe> &nodes, int seconds, bool tail,
                                             int streams) {
    PollerController poller(settings, ServerPoller::Options());
    std::unique_ptr<TailController> tailer;
    if (tail)
        tailer = std::make_unique<TailController>(settings, StreamTailer::Options());
    QSet<QByteArray> listed;
    QString problem;
    QObject here; // the workers' signals are handled on this thread
    QObject::connect(poller.poller(), &ServerPoller::streamsListed, &here,
                     [&](const StreamInfoList &list, bool) {
                         for (const StreamInfo &s : list)
                             if (!listed.contains(s.name)) {
                                 listed.insert(s.name);
                                 if (tailer)
                                     tailer->tailer()->addStream(s.name, "$");
                             }
                     });
    QObject::connect(poller.poller(), &ServerPoller::pollFailed, &here,
                     [&](const Error &e, PollArea) { problem = e.message; });
    if (tailer)
        QObject::connect(tailer->tailer(), &StreamTailer::failed, &here,
                         [&](const Error &e) { problem = e.message; });
    poller.start();
    if (tailer)
        tailer->start();
    runFor(8000); // listed, tailed, first group polls done
    const auto figures = measure(nodes, seconds);
    if (!problem.isEmpty())
        std::fprintf(stderr, "idle: %s\n", qPrintable(problem));
    if (listed.size() != streams) {
        std::fprintf(stderr, "idle: the poller listed %lld of %d streams\n",
                     qlonglong(listed.size()), streams);
        return {};
    }
    return figures;
}

bool idle(LocalRedisCluster &cluster, RedisClient &client, int seconds, bool *ran) {
    *ran = false;
    constexpr int streams = 1000;
    QList<Command> setup;
    for (int i = 0; i < streams; ++i) {
        const QByteArray key = "idle:" + QByteArray::number(i).rightJustified(4, '0');
        for (int e = 0; e < 10; ++e)
            setup.append({"XADD", key, "*", "seq", QByteArray::number(e), "type", "tick"});
        setup.append({"XGROUP", "CREATE", key, "workers", "$"}); // a group at rest, read to the end
    }
    if (!send(client, setup))
        return false;

    std::vector<NodeProbe> nodes;
    const QList<RedisClient::Node> known = client.nodes();
    for (int i = 0; i < cluster.size(); ++i) {
        NodeProbe n;
        n.endpoint = cluster.settings(i).endpoint();
        n.pid = cluster.node(i).processId();
        n.connection = std::make_unique<RedisConnection>(cluster.settings(i));
        if (!bench::done(n.connection->open(), "probe connection"))
            return false;
        for (const RedisClient::Node &k : known)
            if (k.endpoint == n.endpoint && !k.primary)
                n.endpoint += QStringLiteral(" (replica)");
        nodes.push_back(std::move(n));
    }
    std::printf("3. idle cost of watching %d streams with a group each (GUI's ServerPoller + "
                "StreamTailer, from %s), %d s windows\n",
                streams, qPrintable(cluster.settings(0).endpoint()), seconds);
    std::fflush(stdout);

    runFor(3000); // the setup's replication settles
    const auto nobody = measure(nodes, seconds);
    const auto watched = measureWatching(cluster.settings(0), nodes, seconds, true, streams);
    const auto pollerOnly =
        watched.isEmpty() ? watched
                          : measureWatching(cluster.settings(0), nodes, seconds, false, streams);
    *ran = !watched.isEmpty() && !pollerOnly.isEmpty();
    if (!*ran)
        return false;
    bool met = true;
    for (size_t i = 0; i < nodes.size(); ++i) {
        const qsizetype n = qsizetype(i);
        const double cpu = watched.at(n).first - nobody.at(n).first;
        const double kb = watched.at(n).second - nobody.at(n).second;
        std::printf("   %s\n", qPrintable(nodes[i].endpoint));
        std::printf("     nobody watching:  %.2f %% of a core, %6.1f KB/s\n", nobody.at(n).first,
                    nobody.at(n).second);
        std::printf("     watched:          %.2f %% of a core, %6.1f KB/s: watching costs %.2f "
                    "%%, %.1f KB/s (targets <= 0.3 %%, <= 100 KB/s)\n",
                    watched.at(n).first, watched.at(n).second, cpu, kb);
        std::printf("     its poller alone: %.2f %% of a core, %6.1f KB/s: costs %.2f %%, %.1f "
                    "KB/s\n",
                    pollerOnly.at(n).first, pollerOnly.at(n).second,
                    pollerOnly.at(n).first - nobody.at(n).first,
                    pollerOnly.at(n).second - nobody.at(n).second);
        met = met && cpu <= 0.3 && kb <= 100;
    }
    std::fflush(stdout);
    return met;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    registerCoreMetaTypes();
    const long entries = argc > 1 ? std::max(12L, atol(argv[1])) : 1000000L;
    const int seconds = argc > 2 ? std::max(1, atoi(argv[2])) : 20;

    LocalRedisCluster cluster;
    QElapsedTimer clock;
    clock.start();
    if (!bench::done(cluster.start(), "starting the cluster"))
        return 1;
    auto opened = openClient(cluster.settings(0));
    if (!bench::done(opened, "connecting"))
        return 1;
    RedisClient &client = *opened.value();
    std::printf("cluster of %d nodes (%lld primaries) up in %.1f s\n", cluster.size(),
                qlonglong(client.primaries().size()), double(clock.elapsed()) / 1000.0);
    std::fflush(stdout);

    QStringList unmet, notRun;
    bool ran = false;
    if (!drain(cluster, client, entries, &ran))
        (ran ? unmet : notRun) << QStringLiteral("drain");
    if (!flushAll(client))
        return 1;
    if (!doctor(client, &ran))
        (ran ? unmet : notRun) << QStringLiteral("doctor");
    if (!flushAll(client))
        return 1;
    if (!idle(cluster, client, seconds, &ran))
        (ran ? unmet : notRun) << QStringLiteral("idle");

    if (unmet.isEmpty() && notRun.isEmpty())
        std::printf("targets met\n");
    else
        std::printf("targets NOT met:%s%s\n",
                    unmet.isEmpty() ? ""
                                    : qPrintable(QStringLiteral(" missed: ")
                                                 + unmet.join(QStringLiteral(", "))),
                    notRun.isEmpty() ? ""
                                     : qPrintable(QStringLiteral(" could not run: ")
                                                  + notRun.join(QStringLiteral(", "))));
    return unmet.isEmpty() && notRun.isEmpty() ? 0 : 2;
}
