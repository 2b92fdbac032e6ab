#pragma once

#include "AutoClient.h"
#include "Error.h"
#include "StreamId.h"
#include "WorkerThread.h"

#include <QByteArray>
#include <QDate>
#include <QIODevice>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QPair>
#include <QString>

#include <atomic>
#include <functional>
#include <optional>

namespace streamscope {

// Replay: a capture (the JSON Lines of `tail --format jsonl` or `export`, entries of one or
// several streams) appended to a (test) server with new IDs (XADD *), paced by the original
// entries' ID times scaled by a speed, so a burst stays a burst.
//
// Like import it reads the file twice: checkCapture() reads every line first (a malformed line
// is refused with its line number before anything is sent) and learns what the capture holds;
// sendReplay() reads it again and sends, so memory does not grow with the capture. The lines are
// parsed by Import's parseJsonLine (ImportReader), the one parser of the format.
//
// Pacing: entry i is due at start + (t_i - t_0) / speed, t_i its original ID's time and t_0 the
// first replayed entry's, start the moment the first one is sent: the schedule is computed from
// the start, never from the previous entry, so it does not drift. Entries already due when the
// replay gets to them (due at the same moment, or behind schedule) go in one pipeline. An entry
// whose time is earlier than one before it in the file (two exports concatenated) is due at once:
// the file's order is kept. A pause moves the schedule by its length: what was due during the
// pause is not sent in a burst afterwards.

struct ReplayOptions {
    // Every stream to this one (empty: see map).
    QByteArray to;
    // FROM -> TO; streams not named keep their names.
    QList<QPair<QByteArray, QByteArray>> map;
    // A factor (10 is "10x"); 0 is "max": no pacing.
    double speed = 1.0;
    // Only entries whose original ID is in [since, until].
    std::optional<StreamId> since;
    std::optional<StreamId> until;
    // Write to target streams that already hold entries.
    bool append = false;
    // The most entries in one pipeline (entries due at the same moment, or at max speed).
    int maxBatch = 1000;

    // The stream an entry of stream goes to.
    QByteArray targetOf(const QByteArray &stream) const;
    bool paced() const { return speed > 0; }
};

// "1x", "10x", "2.5x", "0.5x", "max" (also without the x): a factor > 0, or 0 for max.
Result<double> parseReplaySpeed(const QString &text);
QString describeSpeed(double speed); // "10x", "2.5x", "max"
// --since / --until as export's --from / --to read them (an ID, or a moment at the precision it
// was typed: "--until 14:05" includes all of 14:05). which names the option in the error.
Result<StreamId> parseReplaySince(const QString &text, const QDate &today);
Result<StreamId> parseReplayUntil(const QString &text, const QDate &today);
// "FROM=TO" (the last '=' separates them, so FROM may hold '=').
Result<QPair<QByteArray, QByteArray>> parseReplayMapping(const QString &text);

// One stream of a capture.
struct CaptureStream {
    QByteArray name;
    qint64 entries = 0;            // in the file
    qint64 selected = 0;           // within since/until: what would be replayed
    std::optional<StreamId> first; // of the selected ones, in file order
    std::optional<StreamId> last;
};

// What a capture holds (the first pass).
struct CaptureSummary {
    qint64 entries = 0;           // in the file
    qint64 selected = 0;          // within since/until
    QList<CaptureStream> streams; // in order of first appearance
    // The replayed entries' time span: the first's time (t_0, the schedule's origin), the
    // earliest and the latest.
    std::optional<StreamId> firstId;
    std::optional<StreamId> earliestId;
    std::optional<StreamId> latestId;
    // Selected entries whose time is earlier than an entry before them in the file (sent at
    // once when their turn comes).
    qint64 outOfOrder = 0;
    qint64 spanMs() const {
        return earliestId && latestId ? qint64(latestId->ms - earliestId->ms) : 0;
    }
    // How long the replay takes at speed (0: max) without pauses: the selected entries from the
    // first to the latest.
    qint64 durationMsAt(double speed) const;
    const CaptureStream *stream(const QByteArray &name) const;
    // "3 streams, 1,000 entries over 10 s (2026-11-26 10:00:00 to 10:00:10)"
    QString describe() const;
};

// The first pass: every line read and checked, the streams counted. Every entry needs a stream
// (or options.to) and an ID (replay paces and filters by it); a --map FROM must be a stream of
// the capture. The error names the first bad line; nothing has been sent.
Result<CaptureSummary> checkCapture(QIODevice *in, const ReplayOptions &options);

// A target stream and what it holds now.
struct ReplayTarget {
    QByteArray stream;
    qint64 length = 0; // entries it holds (0 when it does not exist)
    bool exists = false;
};
// Asks the server about every target of the capture's selected entries (TYPE and XLEN, one
// pipeline; on a cluster each to its node). Refuses (InvalidArgument) a key that is not a stream,
// and, without options.append, a stream that holds entries, naming it and its length. Nothing is
// written.
Result<QList<ReplayTarget>> checkReplayTargets(RedisClient &connection,
                                               const CaptureSummary &capture,
                                               const ReplayOptions &options);

// Pause, resume and cancel, from any thread and from signal handlers (lock-free atomics and
// CLOCK_MONOTONIC only).
class ReplayControl {
public:
    std::atomic<bool> cancel{false};
    // Starts a pause now (no effect while paused).
    void pause() noexcept;
    // Ends the pause: the schedule moves by its length.
    void resume() noexcept;
    // The process was stopped without a pause() (SIGSTOP, which cannot be caught) and has just
    // continued: the stop is counted from the last moment the replay was seen running.
    void continued() noexcept;
    bool isPaused() const noexcept { return m_pausedSince.load() != 0; }
    // Total paused time so far, the current pause included.
    qint64 pausedNs() const noexcept;
    // Called by the replay while it runs (a heartbeat for continued()).
    void alive() noexcept { m_alive.store(nowNs()); }
    static qint64 nowNs() noexcept; // CLOCK_MONOTONIC

private:
    std::atomic<qint64> m_pausedSince{0}; // 0: not paused
    std::atomic<qint64> m_pausedTotal{0};
    std::atomic<qint64> m_alive{0};
};

struct ReplayProgress {
    qint64 sent = 0;
    qint64 total = 0;
    qint64 behindMs = 0; // how late the last pipeline left compared to its schedule
    bool paced = true;   // false at max speed (no schedule: behindMs means nothing)
    qint64 elapsedMs = 0;
    qint64 pausedMs = 0;
    bool paused = false;
};

// What was sent to one target, from one source stream.
struct ReplayStreamSummary {
    QByteArray from;
    QByteArray to;
    qint64 sent = 0;
    std::optional<StreamId> firstNewId;
    std::optional<StreamId> lastNewId;
};

struct ReplaySummary {
    qint64 sent = 0;  // entries the server accepted (also when it refused a later one)
    qint64 total = 0; // entries selected for the replay
    QList<ReplayStreamSummary> streams;
    qint64 durationMs = 0; // from the first send to the end, pauses included
    qint64 pausedMs = 0;
    qint64 maxBehindMs = 0; // the furthest behind schedule a pipeline left
    bool paced = true;      // false at max speed: there is no schedule to be behind
    bool started = false;   // the checks passed and sending began
    bool cancelled = false;
    Error error; // why it stopped early (sent says how far it got)
    // "sent 1,000 entries in 1.0 s: orders -> orders-test 600 (1700...-0 to 1700...-0), ..."
    QString describe() const;
    // {"sent","total","cancelled","duration_ms","paused_ms","max_behind_ms","streams":[...]}
    QByteArray toJson(double speed) const;
};

// The second pass: reads the capture again and appends the selected entries with XADD *, paced.
// progress is called at most every progressIntervalMs and at the end (on this thread). Stops on
// control.cancel after the pipeline in flight; stops at the first refusal, saying which line.
ReplaySummary sendReplay(RedisClient &connection, QIODevice *in, const CaptureSummary &capture,
                         const ReplayOptions &options, ReplayControl &control,
                         const std::function<void(const ReplayProgress &)> &progress,
                         int progressIntervalMs = 100);

// The whole replay of a file on its own connection (what the GUI runs): check the capture,
// connect, refuse read-only mode, check the targets, send. checked receives the capture's
// summary once it is known.
ReplaySummary replayFile(const QString &path, const ConnectionSettings &settings,
                         const ReplayOptions &options, ReplayControl &control,
                         const std::function<void(const ReplayProgress &)> &progress,
                         const std::function<void(const CaptureSummary &)> &checked = {});

// Runs replayFile on its own thread and connection (a replay takes minutes).
class ReplayJob : public QObject {
    Q_OBJECT
public:
    ReplayJob(QString path, ConnectionSettings settings, ReplayOptions options)
        : m_path(std::move(path))
        , m_settings(std::move(settings))
        , m_options(std::move(options)) {}
    void requestStop() { m_control.cancel = true; }
    void pause() { m_control.pause(); }
    void resume() { m_control.resume(); }
    bool isPaused() const { return m_control.isPaused(); }
    Q_SLOT void run();

Q_SIGNALS:
    void progress(const streamscope::ReplayProgress &progress);
    void done(const streamscope::ReplaySummary &summary);
    void finished();

private:
    QString m_path;
    ConnectionSettings m_settings;
    ReplayOptions m_options;
    ReplayControl m_control;
};

class ReplayThread : public WorkerThread<ReplayJob> {
public:
    ReplayThread(QString path, ConnectionSettings settings, ReplayOptions options)
        : WorkerThread(QStringLiteral("streamscope-replay"),
                       std::make_unique<ReplayJob>(std::move(path), std::move(settings),
                                                   std::move(options))) {}
    ReplayJob *job() const { return worker(); }
};

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::ReplayProgress)
Q_DECLARE_METATYPE(streamscope::ReplaySummary)
