// streamscope-cli replay: a captured JSON Lines file appended to a (test) server, paced.
#include "CliCommon.h"
#include "Replay.h"
#include "ValueFormat.h"
#include "Wording.h"

#include <QDate>

#include <csignal>
#include <cstring>

#include <unistd.h>

namespace streamscope::cli {

namespace {

const char replayHelp[] =
    "Usage: streamscope-cli [connection options] replay FILE [options]\n\n"
    "Appends a capture (the JSON Lines of 'tail --format jsonl' or 'export', entries of one\n"
    "or several streams) to the server with new IDs (XADD *), paced by the original entries'\n"
    "ID times scaled by --speed, so a burst at 14:05 stays a burst. Each entry goes to its own\n"
    "stream unless --to or --map say otherwise; fields are sent byte for byte.\n\n"
    "The whole file is checked first: a malformed line is refused with its line number, and\n"
    "nothing is sent. So is a target stream that already holds entries (every target is\n"
    "checked, and named with its length) unless --append is given, and so is --read-only.\n"
    "The schedule is kept from the start (entry i leaves at start + (t_i - t_0) / speed), so it\n"
    "does not drift; entries due at the same moment go in one pipeline.\n\n"
    "Options:\n"
    "  --to STREAM             Every entry to STREAM\n"
    "  --map FROM=TO           Entries of FROM to TO (repeatable); streams not named keep\n"
    "                          their names\n"
    "  --speed 1x|10x|max      The pace: a factor (1x the original pace, 10x ten times faster,\n"
    "                          any positive factor such as 2.5x or 0.5x) or max (no pauses\n"
    "                          between entries); default 1x\n"
    "  --since ID|TIME         Only entries at or after this ID or moment\n"
    "  --until ID|TIME         Only entries up to this ID or moment (a moment includes all of\n"
    "                          it: --until 14:05 includes 14:05:59.999)\n"
    "                          TIME: 2026-11-25 14:05[:30[.123]], 2026-11-25T14:05:30, 14:05\n"
    "                          (today, local time); ID: 1700000000000-0\n"
    "  --append                Also write into target streams that hold entries\n"
    "  --json                  Print the summary as JSON on stdout: sent, total, speed,\n"
    "                          cancelled, duration_ms, paused_ms, max_behind_ms, streams\n"
    "                          [{stream, to, sent, first_id, last_id}]\n\n"
    "Progress goes to stderr: one line updated in place on a terminal, a line a second\n"
    "otherwise; then a summary: entries sent per stream with the first and last new IDs, the\n"
    "duration, the time paused and how far behind schedule it fell at most.\n\n"
    "Pause and resume: Ctrl-Z (SIGTSTP) pauses the replay and stops the process as usual;\n"
    "fg or bg (SIGCONT) resumes it. The schedule moves by the pause, so what fell due during\n"
    "the pause is not sent in a burst: the entries keep their spacing. (kill -STOP, which\n"
    "cannot be caught, works too: the pause is counted from the last moment the replay ran.)\n"
    "Ctrl-C (SIGINT) or SIGTERM stops after the pipeline in flight and prints what was sent;\n"
    "a second Ctrl-C ends the process at once.\n\n"
    "Exit codes: 0 everything was sent; 2 bad arguments, a malformed capture or a target that\n"
    "holds entries (nothing was sent); 3 connection failure; 4 the server refused an entry\n"
    "(the summary says how many were sent); 5 refused by --read-only; 130 cancelled by\n"
    "SIGINT or SIGTERM (the summary says how many were sent).\n\n"
    "Example: streamscope-cli tail orders --from 0 --exit-at-end --format jsonl > orders.jsonl\n"
    "         streamscope-cli -p 6380 replay orders.jsonl --map orders=orders-test --speed 10x\n";

constexpr int Cancelled = 130;

ReplayControl *g_control = nullptr;

void onStop(int) {
    const int saved = errno;
    if (g_control)
        g_control->pause();
    const char text[] = "\nstreamscope-cli: replay paused; fg (or kill -CONT) resumes it\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, text, sizeof text - 1);
    // Now stop as the default action would (the shell gets its prompt back)...
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, nullptr);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTSTP);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(SIGTSTP);
    // ...and here the process has continued (SIGCONT resumed the schedule): catch the next one.
    struct sigaction again = {};
    again.sa_handler = onStop;
    sigemptyset(&again.sa_mask);
    sigaction(SIGTSTP, &again, nullptr);
    errno = saved;
}

void onContinue(int) {
    if (!g_control)
        return;
    if (g_control->isPaused())
        g_control->resume();
    else
        g_control->continued(); // stopped by SIGSTOP, which no handler sees
}

void onCancel(int signal) {
    if (g_control && !g_control->cancel.exchange(true)) {
        const char text[] = "\nstreamscope-cli: stopping the replay after the pipeline in "
                            "flight (Ctrl-C again ends it at once)\n";
        [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, text, sizeof text - 1);
        if (g_control->isPaused()) // a stopped replay cannot stop: let it end
            g_control->resume();
        return;
    }
    std::signal(signal, SIG_DFL);
    ::raise(signal);
}

// The handlers for one replay, removed at the end.
class SignalScope {
public:
    explicit SignalScope(ReplayControl &control) {
        g_control = &control;
        install(SIGTSTP, onStop, &m_tstp);
        install(SIGCONT, onContinue, &m_cont);
        install(SIGINT, onCancel, &m_int);
        install(SIGTERM, onCancel, &m_term);
    }
    ~SignalScope() {
        sigaction(SIGTSTP, &m_tstp, nullptr);
        sigaction(SIGCONT, &m_cont, nullptr);
        sigaction(SIGINT, &m_int, nullptr);
        sigaction(SIGTERM, &m_term, nullptr);
        g_control = nullptr;
    }

private:
    static void install(int signal, void (*handler)(int), struct sigaction *old) {
        struct sigaction action = {};
        action.sa_handler = handler;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        sigaction(signal, &action, old);
    }
    struct sigaction m_tstp = {}, m_cont = {}, m_int = {}, m_term = {};
};

QString progressText(const ReplayProgress &p) {
    QString text = QStringLiteral("replay: %1 / %2 sent")
                       .arg(formatCount(p.sent), countOf(p.total, "entry", "entries"));
    if (p.total > 0)
        text += QStringLiteral(" (%1%)").arg(p.sent * 100 / p.total);
    if (p.paced)
        text += QStringLiteral(", %1 behind schedule").arg(formatDuration(p.behindMs));
    if (p.pausedMs > 0)
        text += QStringLiteral(", paused %1 in all").arg(formatDuration(p.pausedMs));
    if (p.paused)
        text += QStringLiteral(", paused");
    return text;
}

int runReplay(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    const QString cmdName = QStringLiteral("replay");
    const QStringList args = p.positionalArguments();
    if (args.size() != 1)
        return usageError(QStringLiteral("replay needs exactly one FILE"), cmdName);
    ReplayOptions options;
    if (p.isSet(QStringLiteral("to"))) {
        options.to = p.value(QStringLiteral("to")).toUtf8();
        if (options.to.isEmpty())
            return usageError(QStringLiteral("--to needs a stream name"), cmdName);
    }
    for (const QString &m : p.values(QStringLiteral("map"))) {
        auto mapping = parseReplayMapping(m);
        if (!mapping.ok())
            return usageError(mapping.error().message, cmdName);
        for (const auto &earlier : options.map)
            if (earlier.first == mapping->first)
                return usageError(QStringLiteral("--map names %1 twice").arg(m.section('=', 0, -2)),
                                  cmdName);
        options.map.append(mapping.value());
    }
    if (!options.to.isEmpty() && !options.map.isEmpty())
        return usageError(QStringLiteral("--to sends every entry to one stream: it takes no "
                                         "--map"),
                          cmdName);
    if (p.isSet(QStringLiteral("speed"))) {
        auto speed = parseReplaySpeed(p.value(QStringLiteral("speed")));
        if (!speed.ok())
            return usageError(speed.error().message, cmdName);
        options.speed = speed.value();
    }
    const QDate today = QDate::currentDate();
    if (p.isSet(QStringLiteral("since"))) {
        auto since = parseReplaySince(p.value(QStringLiteral("since")), today);
        if (!since.ok())
            return usageError(since.error().message, cmdName);
        options.since = since.value();
    }
    if (p.isSet(QStringLiteral("until"))) {
        auto until = parseReplayUntil(p.value(QStringLiteral("until")), today);
        if (!until.ok())
            return usageError(until.error().message, cmdName);
        options.until = until.value();
    }
    if (options.since && options.until && *options.until < *options.since)
        return usageError(QStringLiteral("--until is earlier than --since: nothing to replay"),
                          cmdName);
    options.append = p.isSet(QStringLiteral("append"));

    ReplayControl control;
    const bool terminal = ::isatty(STDERR_FILENO) == 1;
    bool lineOpen = false; // a progress line without its line break (terminal)
    qint64 lastLineMs = -1;
    qint64 lastPausedMs = 0;
    auto onProgress = [&](const ReplayProgress &progress) {
        if (progress.pausedMs > lastPausedMs + 50 && !progress.paused) {
            if (lineOpen)
                std::fputs("\n", stderr);
            lineOpen = false;
            std::fprintf(stderr,
                         "streamscope-cli: replay resumed; paused %s in all, the schedule "
                         "moved with it\n",
                         qPrintable(formatDuration(progress.pausedMs)));
            lastPausedMs = progress.pausedMs;
        }
        if (terminal) {
            std::fprintf(stderr, "\r%s\033[K", qPrintable(progressText(progress)));
            lineOpen = true;
        } else if (lastLineMs < 0 || progress.elapsedMs - lastLineMs >= 1000
                   || progress.sent == progress.total) {
            std::fprintf(stderr, "%s\n", qPrintable(progressText(progress)));
            lastLineMs = progress.elapsedMs;
        }
        std::fflush(stderr);
    };
    auto onChecked = [&](const CaptureSummary &capture) {
        const QString pace = options.paced()
                                 ? QStringLiteral("at %1 it takes about %2")
                                       .arg(describeSpeed(options.speed),
                                            formatDuration(capture.durationMsAt(options.speed)))
                                 : QStringLiteral("at max speed: as fast as the server takes them");
        std::fprintf(stderr, "%s: %s; %s\n", qPrintable(args.first()),
                     qPrintable(capture.describe()), qPrintable(pace));
        if (capture.outOfOrder > 0)
            printError(QStringLiteral("warning: %1 earlier than an entry before them in the file "
                                      "(two captures joined?): each is sent as soon as its turn "
                                      "comes")
                           .arg(countOf(capture.outOfOrder, "entry is", "entries are")));
    };

    ReplaySummary summary;
    {
        SignalScope handlers(control);
        summary = replayFile(args.first(), settings, options, control, onProgress, onChecked);
    }
    if (lineOpen)
        std::fputs("\n", stderr);
    if (summary.cancelled && !summary.started) {
        printError(QStringLiteral("cancelled before anything was sent"));
        return Cancelled;
    }
    if (summary.error && !summary.started) {
        // Nothing was sent: the reason alone (the message says so). A file that cannot be read
        // is a usage error, as for import.
        if (summary.error.kind == Error::Kind::Io) {
            printError(summary.error.message);
            return UsageError;
        }
        return fail(summary.error);
    }
    std::fprintf(stderr, "%s\n", qPrintable(summary.describe()));
    if (json) {
        Output out;
        out << summary.toJson(options.speed);
    }
    if (summary.error) {
        const Error e = summary.error;
        printError(explainRefusal(e.message, aclUserName()));
        return exitCodeFor(e);
    }
    return summary.cancelled ? Cancelled : Success;
}

} // namespace

CommandSpec replayCommand() {
    return {"replay",
            replayHelp,
            {{QStringLiteral("to"), QStringLiteral("Target."), QStringLiteral("STREAM")},
             {QStringLiteral("map"), QStringLiteral("Mapping."), QStringLiteral("FROM=TO")},
             {QStringLiteral("speed"), QStringLiteral("Speed."), QStringLiteral("SPEED")},
             {QStringLiteral("since"), QStringLiteral("Since."), QStringLiteral("ID|TIME")},
             {QStringLiteral("until"), QStringLiteral("Until."), QStringLiteral("ID|TIME")},
             {QStringLiteral("append"), QStringLiteral("Append.")}},
            runReplay};
}

} // namespace streamscope::cli
