// GUI ingest benchmark: the real window, offscreen, takes RATE entries/s (default 400,000) for
// SECONDS (default 10), shaped like the demo shop's events (order.created and payment.completed,
// 7 fields each). The live table keeps CAP rows (default: the model's own, 1,000,000). Prints,
// each beside its target, the figure measured on main before the packed rows (same machine,
// same command, median of three runs) and the ratio:
//   - rows held at the end (the cap must hold),
//   - resident memory with the table at the cap, and the bytes each row costs (resident memory
//     at the end minus before the load, divided by the rows held),
//   - the GUI thread's longest stall (gap between 5 ms timer ticks, wall clock) and its longest
//     CPU time between two ticks (what it did itself, apart from waiting for a core),
//   - the live table's longest flush, then one "Where is" (find) over every row and one change
//     of the stream filter, each a single call on the GUI thread.
// MODE "redis" (default) loads a private redis-server that the window tails: end to end. The
// loader sends pipelined XADDs on 2 connections; the first lines say the rate it reached beside
// the target, the server's CPU, what the tail read of it and what reached the GUI thread (on a
// shared 2-core machine the server, the loader, the tail and the GUI share the cores: the rate
// may fall short). "eval" loads with the former server-side script instead (the server builds
// the strings: it spent its core on them and the tail read only about half of what was
// loaded). "load" runs the loader alone, nothing tailing: can it make the rate at all? MODE
// "direct" hands the live table the same entries at the rate asked, in 2,000-entry batches made
// on another thread and queued to the GUI thread as the tailer's are: the GUI thread's own cost
// at 400,000/s (without the flow tracker, which the session feeds).
// Usage: bench_gui_ingest [RATE] [SECONDS] [CAP] [redis|eval|load|direct]
#include "BenchSupport.h"
#include "LiveEventModel.h"
#include "LiveEventsView.h"
#include "LocalRedisServer.h"
#include "MainWindow.h"
#include "RedisConnection.h"
#include "Session.h"
#include "StreamListModel.h"

#include <QApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QTableView>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <thread>

#include <hiredis/hiredis.h>
#include <unistd.h>

using namespace streamscope;

namespace {

// The "before" of every line: measured on main (5279a67: a QList<StreamEntry> of rows behind a
// QSortFilterProxyModel) with this benchmark, `bench_gui_ingest 400000 10 1000000 direct`, three
// runs on the shared 2-core machine (load average about 9): the median of each. The ranges are in
// the README.
constexpr double beforeStallMs = 370;
constexpr double beforeCpuStallMs = 80;
constexpr double beforeFlushMs = 317;
const char *const beforeFilter = "did not finish in 10 minutes";
constexpr double beforeFindMs = 130;
constexpr double beforeResidentMB = 623;
constexpr double beforeBytesPerRow = 604;

constexpr int targetRows = 1000000;
constexpr int loaderConnections = 2;
constexpr double targetStallMs = 33;
constexpr double targetResidentMB = 400;

QString ratio(double now, double before) {
    return before > 0 && now > 0 ? QString::number(now / before, 'f', 2) + QStringLiteral("x")
                                 : QStringLiteral("-");
}

// MODE "eval": the entries made by the server (one script call per tick). A client XADDing them
// one by one on a shared 2-core machine tops out near 110,000/s; but the script costs the server
// about 1 s of CPU per 400,000 entries (the strings built in Lua), so it has no time left to
// serve the tail. The default loader pipelines (appendDemoXadd).
const QByteArray demoScript = R"lua(
local first = tonumber(ARGV[1])
for n = first, first + tonumber(ARGV[2]) - 1 do
  local id = tostring(n)
  local amount = tostring(500 + n % 19500)
  if n % 2 == 0 then
    redis.call('XADD', KEYS[1], '*', 'type', 'order.created', 'orderId', id,
      'userId', 'user-' .. (1 + n % 499), 'amount', amount, 'currency', 'EUR',
      'items', '[{"qty":' .. (1 + n % 3) .. ',"sku":"SKU-' .. (100 + n % 899) .. '"}]',
      'createdAt', tostring(1700000000000 + n))
  else
    redis.call('XADD', KEYS[2], '*', 'type', 'payment.completed', 'orderId', id,
      'paymentId', 'pay-' .. id, 'amount', amount, 'currency', 'EUR',
      'status', 'completed', 'processedBy', 'payment-service-1')
  end
end
return 0
)lua";

// The n-th demo entry as an XADD in the protocol (the same fields as the script's), appended to
// out: the loader builds the commands itself, so the server only parses and adds them. Numbers
// are written by hand (snprintf was most of the loader's time).
void appendDemoXadd(std::string &out, long n) {
    char digits[24];
    const auto toText = [&digits](long v) {
        char *end = digits + sizeof digits, *p = end;
        do
            *--p = char('0' + v % 10);
        while ((v /= 10) > 0);
        return std::string_view(p, size_t(end - p));
    };
    const auto arg = [&out](std::string_view prefix, std::string_view s = {},
                            std::string_view suffix = {}) {
        const size_t len = prefix.size() + s.size() + suffix.size();
        out += '$';
        char lenDigits[24];
        char *end = lenDigits + sizeof lenDigits, *p = end;
        size_t v = len;
        do
            *--p = char('0' + v % 10);
        while ((v /= 10) > 0);
        out.append(p, size_t(end - p)).append("\r\n");
        out.append(prefix).append(s).append(suffix).append("\r\n");
    };
    out.append("*17\r\n$4\r\nXADD\r\n");
    if (n % 2 == 0) {
        arg("order-events"), arg("*");
        arg("type"), arg("order.created"), arg("orderId"), arg("", toText(n));
        arg("userId"), arg("user-", toText(1 + n % 499));
        arg("amount"), arg("", toText(500 + n % 19500));
        arg("currency"), arg("EUR");
        arg("items");
        std::string qty(toText(1 + n % 3));
        arg("[{\"qty\":" + qty + ",\"sku\":\"SKU-", toText(100 + n % 899), "\"}]");
        arg("createdAt"), arg("", toText(1700000000000 + n));
    } else {
        const std::string id(toText(n));
        arg("payment-events"), arg("*");
        arg("type"), arg("payment.completed"), arg("orderId"), arg(id);
        arg("paymentId"), arg("pay-", id);
        arg("amount"), arg("", toText(500 + n % 19500));
        arg("currency"), arg("EUR"), arg("status"), arg("completed");
        arg("processedBy"), arg("payment-service-1");
    }
}

// Reads the replies of count XADDs from fd (each "$N\r\nID\r\n"; an error "-...\r\n"). False,
// with the reason on stderr, when the connection failed or the server refused one.
bool readXaddReplies(int fd, long count, std::string &buffer) {
    size_t pos = 0;
    for (long done = 0; done < count;) {
        // One reply, when it is all in the buffer.
        const size_t eol = buffer.find("\r\n", pos);
        if (eol != std::string::npos) {
            if (buffer[pos] != '$') {
                std::fprintf(stderr, "loader: XADD failed: %s\n",
                             buffer.substr(pos, eol - pos).c_str());
                return false;
            }
            const size_t len = size_t(std::strtol(buffer.c_str() + pos + 1, nullptr, 10));
            if (buffer.size() >= eol + 2 + len + 2) {
                pos = eol + 2 + len + 2;
                ++done;
                continue;
            }
        }
        buffer.erase(0, pos);
        pos = 0;
        char chunk[65536];
        const ssize_t got = ::read(fd, chunk, sizeof chunk);
        if (got <= 0) {
            std::fprintf(stderr, "loader: the connection closed\n");
            return false;
        }
        buffer.append(chunk, size_t(got));
    }
    buffer.erase(0, pos);
    return true;
}

bool writeAll(int fd, const std::string &data) {
    for (size_t done = 0; done < data.size();) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n <= 0)
            return false;
        done += size_t(n);
    }
    return true;
}

// n-th demo entry, as the tailer would hand it over (one shared buffer per batch); made without
// a temporary per string, so that one producer thread keeps up with 400,000/s.
void appendDemoEntry(EntryBuilder &builder, long n) {
    static const QByteArray orders = QByteArrayLiteral("order-events");
    static const QByteArray payments = QByteArrayLiteral("payment-events");
    char buf[64];
    const auto add = [&builder](std::string_view s) {
        builder.appendString(s.data(), qsizetype(s.size()));
    };
    const auto num = [&buf](const char *prefix, long v, const char *suffix = "") {
        const int len = std::snprintf(buf, sizeof buf, "%s%ld%s", prefix, v, suffix);
        return std::string_view(buf, size_t(len));
    };
    const StreamId id{quint64(1700000000000 + n / 1000), quint64(n % 1000)};
    if (n % 2 == 0) {
        builder.beginEntry(orders, id);
        add("type"), add("order.created"), add("orderId"), add(num("", n));
        add("userId"), add(num("user-", 1 + n % 499));
        add("amount"), add(num("", 500 + n % 19500));
        add("currency"), add("EUR");
        add("items");
        char items[64];
        const int len = std::snprintf(items, sizeof items, "[{\"qty\":%ld,\"sku\":\"SKU-%ld\"}]",
                                      1 + n % 3, 100 + n % 899);
        add(std::string_view(items, size_t(len)));
        add("createdAt"), add(num("", 1700000000000 + n));
    } else {
        builder.beginEntry(payments, id);
        add("type"), add("payment.completed"), add("orderId"), add(num("", n));
        add("paymentId"), add(num("pay-", n));
        add("amount"), add(num("", 500 + n % 19500));
        add("currency"), add("EUR"), add("status"), add("completed");
        add("processedBy"), add("payment-service-1");
    }
}

// The GUI thread's own CPU time in ms. On a shared machine a wall-clock gap between two ticks
// also holds the time other processes had the core; the CPU time between the same two ticks is
// what the GUI thread itself spent (ingest, layout, painting).
double threadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

// How long this thread was ready to run but waited for a core, in ms (-1 when not known).
double runDelayMs() {
    QFile f(QStringLiteral("/proc/thread-self/schedstat"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = f.readAll().split(' ');
    return fields.size() > 1 ? double(fields.at(1).trimmed().toLongLong()) / 1e6 : -1;
}

QString loadAverage() {
    QFile f(QStringLiteral("/proc/loadavg"));
    return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll()) : QStringLiteral("?\n");
}

} // namespace

int main(int argc, char **argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int rate = argc > 1 ? atoi(argv[1]) : 400000;
    const int seconds = argc > 2 ? atoi(argv[2]) : 10;
    const int cap = argc > 3 ? atoi(argv[3]) : 0;
    const QByteArray mode = argc > 4 ? QByteArray(argv[4]) : QByteArray("redis");
    const bool direct = mode == "direct";
    const bool script = mode == "eval";
    const bool loadOnly = mode == "load";
    if (!direct && !script && !loadOnly && mode != "redis") {
        std::fprintf(stderr,
                     "usage: bench_gui_ingest [RATE] [SECONDS] [CAP] [redis|eval|load|direct]\n");
        return 2;
    }

    LocalRedisServer server;
    if (!bench::startServer(server))
        return 1;
    {
        RedisConnection c(server.settings());
        if (!bench::done(c.open(), "connect")
            || !bench::done(c.command({"XADD", "order-events", "*", "seed", "1"}), "XADD")
            || !bench::done(c.command({"XADD", "payment-events", "*", "seed", "1"}), "XADD"))
            return 1;
    }

    MainWindow window;
    if (cap > 0)
        window.setRowCap(cap);
    if (!direct && !loadOnly)
        window.connectTo(server.settings());
    window.show();
    // Wait until the poller has listed the streams and the tailer has had time to add them.
    QElapsedTimer wait;
    wait.start();
    while (!direct && !loadOnly && window.streamModel()->rowCount() < 2 && wait.elapsed() < 10000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    const qint64 settle = wait.elapsed() + 1000;
    while (wait.elapsed() < settle)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    const long baseKiB = bench::residentKiB();
    const int baseRows = window.eventModel()->rowCount();
    // End to end, what the tail read (counted on its own thread) and what reached the GUI
    // thread (the session's batches: the flow tracker's and the live table's).
    std::atomic<long> tailed{0};
    long reachedGui = 0;
    if (!direct && window.session()) {
        QObject::connect(
            window.session()->tailer(), &StreamTailer::entriesReceived, window.session()->tailer(),
            [&tailed](const StreamEntryList &batch) { tailed += long(batch.size()); },
            Qt::DirectConnection);
        QObject::connect(
            window.session(), &Session::entriesReceived,
            [&reachedGui](const StreamEntryList &batch) { reachedGui += long(batch.size()); });
    }
    const double serverCpuBefore = bench::cpuSeconds(server.processId());

    std::atomic<bool> stop{false};
    std::atomic<long> sent{0};
    std::thread loader([&] {
        if (direct) {
            LiveEventModel *model = window.eventModel();
            const int batchMs = 5;
            const int perBatch = rate * batchMs / 1000;
            QElapsedTimer clock;
            clock.start();
            long batches = 0;
            while (!stop && clock.elapsed() < seconds * 1000) {
                StreamEntryList batch;
                batch.reserve(perBatch);
                EntryBuilder builder(&batch);
                for (int i = 0; i < perBatch; ++i)
                    appendDemoEntry(builder, sent + i);
                builder.finish();
                QMetaObject::invokeMethod(
                    model, [model, batch] { model->appendBatch(batch); }, Qt::QueuedConnection);
                sent += perBatch;
                ++batches;
                const qint64 due = batches * batchMs;
                if (clock.elapsed() < due)
                    std::this_thread::sleep_for(std::chrono::milliseconds(due - clock.elapsed()));
            }
            return;
        }
        if (!script) {
            // Pipelined XADDs on loaderConnections connections, one thread each, every tick a
            // share of the tick's entries.
            std::vector<std::thread> loaders;
            std::atomic<bool> failed{false};
            for (int k = 0; k < loaderConnections; ++k)
                loaders.emplace_back([&, k] {
                    redisContext *c = redisConnect("127.0.0.1", server.port());
                    if (!c || c->err) {
                        std::fprintf(stderr, "loader: cannot connect: %s\n",
                                     c ? c->errstr : "out of memory");
                        failed = true;
                        if (c)
                            redisFree(c);
                        return;
                    }
                    // Each tick's share in chunks; a chunk is sent before the replies of the
                    // one before are read, so the server adds while the next is built.
                    const int tickMs = 10;
                    const long perTick = long(rate) * tickMs / 1000;
                    const long chunk = 250 * loaderConnections;
                    std::string commands, replies;
                    long inFlight = 0;
                    QElapsedTimer clock;
                    clock.start();
                    for (long tick = 0; !stop && !failed && clock.elapsed() < seconds * 1000;
                         ++tick) {
                        for (long from = tick * perTick; from < (tick + 1) * perTick && !failed;
                             from += chunk) {
                            commands.clear();
                            long count = 0;
                            for (long n = from + k;
                                 n < std::min(from + chunk, (tick + 1) * perTick);
                                 n += loaderConnections, ++count)
                                appendDemoXadd(commands, n);
                            if (!writeAll(c->fd, commands)
                                || (inFlight && !readXaddReplies(c->fd, inFlight, replies))) {
                                failed = true;
                                break;
                            }
                            sent += inFlight;
                            inFlight = count;
                        }
                        const qint64 due = (tick + 1) * tickMs;
                        if (clock.elapsed() < due)
                            std::this_thread::sleep_for(
                                std::chrono::milliseconds(due - clock.elapsed()));
                    }
                    if (!failed && inFlight && readXaddReplies(c->fd, inFlight, replies))
                        sent += inFlight;
                    redisFree(c);
                });
            for (std::thread &t : loaders)
                t.join();
            return;
        }
        RedisConnection c(server.settings());
        if (c.open())
            return;
        const int tickMs = 10;
        const int perTick = rate * tickMs / 1000;
        QElapsedTimer clock;
        clock.start();
        long tick = 0;
        while (!stop && clock.elapsed() < seconds * 1000) {
            if (!c.command({"EVAL", demoScript, "2", "order-events", "payment-events",
                            QByteArray::number(qlonglong(sent)), QByteArray::number(perTick)})
                     .ok())
                return;
            sent += perTick;
            ++tick;
            const qint64 due = tick * tickMs;
            if (clock.elapsed() < due)
                std::this_thread::sleep_for(std::chrono::milliseconds(due - clock.elapsed()));
        }
    });

    bench::StallProbe probe;
    probe.start();
    // Beside the probe, on the same 5 ms beat: the GUI thread's CPU time between two ticks.
    QTimer cpuProbe;
    cpuProbe.setTimerType(Qt::PreciseTimer);
    cpuProbe.setInterval(5);
    // And of the longest gap between two of its ticks: how much the GUI thread ran, and how long
    // it was ready to run but waited for a core (run delay, /proc/thread-self/schedstat).
    double lastCpu = threadCpuMs();
    double worstCpu = 0;
    QElapsedTimer gapClock;
    gapClock.start();
    double lastWallMs = 0, lastRunDelayMs = runDelayMs();
    double worstGapMs = 0, worstGapCpuMs = 0, worstGapRunDelayMs = 0;
    QObject::connect(&cpuProbe, &QTimer::timeout, [&] {
        const double now = threadCpuMs();
        const double wall = double(gapClock.nsecsElapsed()) / 1e6;
        const double delay = runDelayMs();
        if (wall - lastWallMs > worstGapMs) {
            worstGapMs = wall - lastWallMs;
            worstGapCpuMs = now - lastCpu;
            worstGapRunDelayMs = delay - lastRunDelayMs;
        }
        lastWallMs = wall;
        lastRunDelayMs = delay;
        worstCpu = std::max(worstCpu, now - lastCpu);
        lastCpu = now;
    });
    cpuProbe.start();
    // The live table's own share: from the first signal of a flush (rows leaving at the cap, or
    // coming) to its end, with what the view does on those signals.
    QElapsedTimer flushClock;
    double worstFlushMs = 0;
    const LiveEventModel *events = window.eventModel();
    const auto flushBegins = [&] {
        if (!flushClock.isValid())
            flushClock.start();
    };
    QObject::connect(events, &QAbstractItemModel::rowsAboutToBeRemoved, flushBegins);
    QObject::connect(events, &QAbstractItemModel::rowsAboutToBeInserted, flushBegins);
    QObject::connect(events, &LiveEventModel::flushed, [&] {
        worstFlushMs = std::max(worstFlushMs, double(flushClock.nsecsElapsed()) / 1e6);
        flushClock.invalidate();
    });
    QTimer::singleShot(seconds * 1000 + 2000, &app, &QCoreApplication::quit);
    QApplication::exec();
    stop = true;
    loader.join();
    probe.stop();
    cpuProbe.stop();
    const qint64 worst = probe.worst();
    const qint64 p99 = probe.percentile(0.99);
    const long peakKiB = probe.peakKiB();
    const long endKiB = bench::residentKiB();
    const double serverCpu = bench::cpuSeconds(server.processId()) - serverCpuBefore;
    const LiveEventModel *model = window.eventModel();
    const int rows = model->rowCount();
    const double residentMB = endKiB / 1024.0;
    const double bytesPerRow =
        rows > baseRows ? double(endKiB - baseKiB) * 1024.0 / (rows - baseRows) : 0;
    const double achieved = double(sent.load()) / seconds;
    std::printf("%s %ld entries in %d s: %.0f/s (target %d/s; %.2fx)\n",
                direct ? "handed to the table:" : "loaded into Redis:", sent.load(), seconds,
                achieved, rate, achieved / rate);
    if (loadOnly) {
        std::printf("redis-server:      %.1f s CPU (the loader alone: nothing tails)\n", serverCpu);
        std::printf("machine:           load average %s", qPrintable(loadAverage()));
        return 0;
    }
    if (!direct) {
        std::printf("redis-server:      %.1f s CPU over the %d s load and the 2 s after "
                    "(%.0f %% of a core)\n",
                    serverCpu, seconds, 100.0 * serverCpu / (seconds + 2));
        std::printf("read by the tail:  %ld (%.2fx of those loaded); reached the GUI thread %ld "
                    "(%.2fx of those read)\n",
                    tailed.load(), double(tailed.load()) / std::max(1L, sent.load()), reachedGui,
                    double(reachedGui) / std::max(1L, tailed.load()));
    }
    std::printf("rows held:         %d (cap %d, target %d; dropped %lld)%s\n", rows,
                model->rowCap(), targetRows, model->droppedRows(),
                rows == model->rowCap() ? "" : "  NOT AT THE CAP: memory figures are not at it");
    std::printf("resident memory:   %.0f MB at the end (target < %.0f: %s; before %.0f: %s), "
                "%.0f MB before the load, peak %.0f MB\n",
                residentMB, targetResidentMB, qPrintable(ratio(residentMB, targetResidentMB)),
                beforeResidentMB, qPrintable(ratio(residentMB, beforeResidentMB)), baseKiB / 1024.0,
                peakKiB / 1024.0);
    std::printf("bytes per row:     %.0f (before %.0f; %s)\n", bytesPerRow, beforeBytesPerRow,
                qPrintable(ratio(bytesPerRow, beforeBytesPerRow)));
    std::printf("                   of which the packed rows themselves: %.0f\n",
                rows > 0 ? double(model->heldBytes()) / rows : 0.0);
    if (!direct && window.session()) {
        const FlowTracker *flows = window.session()->flowTracker();
        const FlowStats fs = flows->stats(QDateTime::currentMSecsSinceEpoch(), 0);
        std::printf("flow tracker:      %.0f MB for %lld waiting flows (%.0f bytes each; the "
                    "bench's orders are never paid: every order waits, up to the bound of %d)\n",
                    double(flows->heldBytes()) / 1048576.0, qlonglong(fs.waiting),
                    fs.waiting > 0 ? double(flows->heldBytes()) / double(fs.waiting) : 0.0,
                    flows->config().maxOpenFlows);
    }
    std::printf("GUI thread:        longest stall %lld ms (target < %.0f: %s; before %.0f: %s), "
                "p99 tick gap %lld ms\n",
                worst, targetStallMs, qPrintable(ratio(double(worst), targetStallMs)),
                beforeStallMs, qPrintable(ratio(double(worst), beforeStallMs)), p99);
    std::printf("GUI thread busy:   longest CPU time between two ticks %.0f ms (target < %.0f: %s; "
                "before %.0f: %s)\n",
                worstCpu, targetStallMs, qPrintable(ratio(worstCpu, targetStallMs)),
                beforeCpuStallMs, qPrintable(ratio(worstCpu, beforeCpuStallMs)));
    std::printf("longest gap:       %.0f ms between two ticks of the CPU probe: the GUI thread "
                "ran %.0f ms of it and waited %.0f ms for a core (the machine: %d cores shared "
                "with the server, the loader and the tail)\n",
                worstGapMs, worstGapCpuMs, worstGapRunDelayMs, QThread::idealThreadCount());
    std::printf("live table flush:  longest %.0f ms wall (rows out at the cap, rows in, the view's "
                "updates; before %.0f; %s)\n",
                worstFlushMs, beforeFlushMs, qPrintable(ratio(worstFlushMs, beforeFlushMs)));
    // With the table at the cap, each one call on the GUI thread: the flow view's "Where is" over
    // every row, then choosing a stream (the table shows only its rows) and showing all again.
    LiveEventsView *live = window.liveView();
    QElapsedTimer step;
    step.start();
    double cpu = threadCpuMs();
    const QByteArray wanted = QByteArray::number(qlonglong(sent.load() - rows / 2));
    const qsizetype found = live->find("orderId", wanted).size();
    const double findMs = double(step.nsecsElapsed()) / 1e6;
    const double findCpuMs = threadCpuMs() - cpu;
    std::printf(
        "find over rows:    %.0f ms (%.0f ms CPU) for orderId=%s, %lld found (target < %.0f: %s; "
        "before %.0f: %s)\n",
        findMs, findCpuMs, wanted.constData(), qlonglong(found), targetStallMs,
        qPrintable(ratio(findMs, targetStallMs)), beforeFindMs,
        qPrintable(ratio(findMs, beforeFindMs)));
    // Last, and what came before printed first: on main this step did not finish in 10 minutes.
    std::fflush(stdout);
    step.restart();
    cpu = threadCpuMs();
    live->setStreamFilter({"payment-events"});
    const int filtered = window.eventView()->model()->rowCount();
    live->setStreamFilter({});
    const double filterMs = double(step.nsecsElapsed()) / 1e6;
    const double filterCpuMs = threadCpuMs() - cpu;
    std::printf("stream filter:     %.0f ms (%.0f ms CPU) to show one stream's %d rows and all "
                "again (target < %.0f; before %s)\n",
                filterMs, filterCpuMs, filtered, targetStallMs, beforeFilter);
    std::fflush(stdout);
    std::printf("machine:           load average %s", qPrintable(loadAverage()));
    window.disconnectFromServer();
    return 0;
}
