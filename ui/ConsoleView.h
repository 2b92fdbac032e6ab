#pragma once

#include "ConnectionSettings.h"
#include "ConsoleWorker.h"
#include "ReplyText.h"

#include <QStringList>
#include <QWidget>

#include <memory>
#include <optional>

class QCompleter;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QStringListModel;

namespace streamscope {

// The Console tab: type a Redis command as in redis-cli (its quoting), see the reply as
// redis-cli prints it (errors in the palette's red), with history (Up/Down, kept for the
// life of the window, never written to disk) and completion of command names (Tab, or the
// popup while typing the first word). Commands go through the session's client on the console's
// own thread (ConsoleWorker): routed on a cluster, refused in read-only mode with the client's
// reason; one at a time, cancellable (Cancel, Esc), with a timeout; a huge reply is cut to what
// can be read (ReplyText). Commands that would never end with one reply (MONITOR, SUBSCRIBE,
// BLPOP k 0 ...) are refused with what to do instead.
class ConsoleView : public QWidget {
    Q_OBJECT
public:
    explicit ConsoleView(QWidget *parent = nullptr);
    ~ConsoleView() override;

    // null: disconnected (input disabled, "Not connected"). A new value drops the old worker
    // without waiting on it (a command under way is cancelled); another server than before
    // starts a new transcript, so nothing of the previous server stays on screen.
    void setConnection(const std::optional<ConnectionSettings> &settings);
    // The hint only: the refusal itself comes from the client, which consults the session's
    // read-only switch on every command.
    void setReadOnly(bool readOnly);
    // As if typed and Enter pressed (ignored, with a note, while a command runs).
    void runCommand(const QString &line);
    QString transcript() const;

    // Also for tests.
    bool isRunning() const { return m_request != 0; }
    void cancel();
    void setCommandTimeout(int ms) { m_timeoutMs = ms; } // default 1 min
    int commandTimeout() const { return m_timeoutMs; }
    void setReplyLimits(const ReplyTextLimits &limits); // for the next connection
    QStringList history() const { return m_history; }
    QStringList commandNames() const;
    QPlainTextEdit *transcriptView() const { return m_transcript; }
    QLineEdit *input() const { return m_input; }
    QPushButton *cancelButton() const { return m_cancel; }
    QLabel *hintLabel() const { return m_hint; }

Q_SIGNALS:
    // A command's reply (or why there is none) is in the transcript.
    void commandFinished();
    // The completion list changed (the server's command names arrived).
    void commandNamesChanged();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void submit();
    void onReply(const ConsoleReply &reply);
    void onCommandNames(const QStringList &names, const QString &error);
    void append(const QString &text, const QColor &colour = {});
    void historyStep(int delta);
    void completeFirstWord();
    void updateState();
    QString prompt() const;

    QPlainTextEdit *m_transcript;
    QLabel *m_prompt;
    QLineEdit *m_input;
    QPushButton *m_cancel;
    QLabel *m_hint;
    QLabel *m_status;
    QCompleter *m_completer;
    QStringListModel *m_names;

    std::optional<ConnectionSettings> m_settings;
    std::optional<ConnectionSettings> m_lastServer; // the transcript's server
    std::unique_ptr<ConsoleRunner> m_runner;
    ReplyTextLimits m_limits;
    bool m_readOnly = false;
    int m_timeoutMs = 60 * 1000;
    int m_request = 0; // the command under way, 0 when none
    int m_db = 0;

    QStringList m_history;
    int m_historyPos = 0; // m_history.size(): past the end, editing a new line
    QString m_draft;      // the line being typed before Up was pressed
};

} // namespace streamscope
