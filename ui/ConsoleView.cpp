#include "ConsoleView.h"

#include "CommandLine.h"
#include "Palette.h"
#include "Wording.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QStringListModel>
#include <QTextBlock>
#include <QTextCursor>
#include <QVBoxLayout>

namespace streamscope {

namespace {

// The transcript keeps the last this many lines (each reply is bounded too).
constexpr int maxTranscriptLines = 20000;
constexpr int maxHistory = 1000;

} // namespace

ConsoleView::ConsoleView(QWidget *parent)
    : QWidget(parent)
    , m_transcript(new QPlainTextEdit(this))
    , m_prompt(new QLabel(this))
    , m_input(new QLineEdit(this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_hint(new QLabel(this))
    , m_status(new QLabel(this))
    , m_completer(new QCompleter(this))
    , m_names(new QStringListModel(builtInCommandNames(), this)) {
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_transcript->setReadOnly(true);
    m_transcript->setFont(mono);
    m_transcript->setMaximumBlockCount(maxTranscriptLines);
    // Long lines wrap, as in a terminal (a refusal's advice must be read whole).
    m_transcript->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_transcript->setUndoRedoEnabled(false);
    m_transcript->setObjectName(QStringLiteral("consoleTranscript"));
    m_prompt->setFont(mono);
    m_input->setFont(mono);
    m_input->setObjectName(QStringLiteral("consoleInput"));
    m_input->installEventFilter(this);
    m_cancel->setToolTip(tr("Stop waiting for the command under way (Esc): the console's "
                            "connection is closed, the server may still finish the command"));
    m_hint->setWordWrap(true);
    m_status->setWordWrap(true);
    m_hint->setStyleSheet(toneStyle(Tone::Muted));

    m_completer->setModel(m_names);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    m_completer->setModelSorting(QCompleter::CaseInsensitivelySortedModel);
    m_completer->setWidget(m_input);
    // Tab while the popup is open reaches the popup, whose completer would hide it and move the
    // focus out of the input: handled here first (a filter installed later runs first).
    m_completer->popup()->installEventFilter(this);
    setFocusProxy(m_input);
    m_transcript->setFocusPolicy(Qt::ClickFocus); // selectable, but typing goes to the input
    // The completer follows the first word only (arguments are not command names), so it is
    // driven here rather than set on the line edit, which would complete the whole line.
    connect(m_input, &QLineEdit::textEdited, this, [this](const QString &text) {
        const QString word = text.trimmed();
        if (word.isEmpty() || text.contains(QLatin1Char(' '))
            || text.startsWith(QLatin1Char(' '))) {
            m_completer->popup()->hide();
            return;
        }
        m_completer->setCompletionPrefix(word);
        if (m_completer->completionCount() == 0
            || (m_completer->completionCount() == 1
                && m_completer->currentCompletion().compare(word, Qt::CaseInsensitive) == 0))
            m_completer->popup()->hide();
        else
            m_completer->complete();
    });
    connect(m_completer, qOverload<const QString &>(&QCompleter::activated), this,
            [this](const QString &name) { m_input->setText(name + QLatin1Char(' ')); });
    connect(m_input, &QLineEdit::returnPressed, this, &ConsoleView::submit);
    connect(m_cancel, &QPushButton::clicked, this, &ConsoleView::cancel);

    auto *inputRow = new QHBoxLayout;
    inputRow->addWidget(m_prompt);
    inputRow->addWidget(m_input, 1);
    inputRow->addWidget(m_cancel);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_hint);
    layout->addWidget(m_transcript, 1);
    layout->addLayout(inputRow);
    layout->addWidget(m_status);
    setConnection(std::nullopt);
}

ConsoleView::~ConsoleView() = default;

void ConsoleView::setReplyLimits(const ReplyTextLimits &limits) {
    m_limits = limits;
}

QStringList ConsoleView::commandNames() const {
    return m_names->stringList();
}

void ConsoleView::setConnection(const std::optional<ConnectionSettings> &settings) {
    // The transcript stays for the same server (a reconnect), not for another one.
    const bool otherServer = settings && (!m_lastServer || !(*m_lastServer == *settings));
    m_runner.reset(); // never waits: a command under way is cancelled in the background
    if (m_request != 0)
        append(QStringLiteral("(cancelled) ") + tr("the connection was replaced before the answer"),
               toneColour(Tone::Warning));
    m_request = 0;
    if (m_settings && !settings)
        append(tr("Disconnected."), toneColour(Tone::Muted));
    m_settings = settings;
    if (settings)
        m_lastServer = settings;
    m_status->clear();
    if (!settings) {
        updateState();
        return;
    }
    m_db = settings->db;
    m_readOnly = settings->readOnlyNow();
    if (otherServer) {
        m_transcript->clear();
        // Nothing is connected yet: the first command connects (and says if it cannot).
        append(tr("Commands go to %1. As in redis-cli; Up/Down: history, Tab: command "
                  "names, Esc: cancel, \"clear\": clear this transcript.")
                   .arg(settings->displayUrl()),
               toneColour(Tone::Muted));
    }
    m_runner = std::make_unique<ConsoleRunner>(*settings, m_limits);
    connect(m_runner->worker(), &ConsoleWorker::replied, this, &ConsoleView::onReply);
    connect(m_runner->worker(), &ConsoleWorker::commandNames, this, &ConsoleView::onCommandNames);
    // Once per connection: the names this server knows (its modules' too).
    m_names->setStringList(builtInCommandNames());
    m_runner->fetchCommandNames();
    updateState();
}

void ConsoleView::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    updateState();
}

void ConsoleView::updateState() {
    const bool connected = m_runner != nullptr;
    m_input->setEnabled(connected);
    m_cancel->setEnabled(connected && m_request != 0);
    m_prompt->setText(prompt());
    if (!connected) {
        m_input->setPlaceholderText(tr("Not connected"));
        m_hint->setText(tr("Not connected: connect to a server to type commands."));
        m_hint->setVisible(true);
        return;
    }
    m_input->setPlaceholderText(tr("A Redis command, e.g. XINFO GROUPS orders"));
    m_hint->setText(m_readOnly ? tr("Read-only: commands that change data are refused before "
                                    "they are sent.")
                               : QString());
    m_hint->setVisible(!m_hint->text().isEmpty());
}

QString ConsoleView::prompt() const {
    if (!m_settings)
        return tr("not connected>");
    QString p = m_settings->endpoint();
    if (m_db != 0)
        p += QStringLiteral("[%1]").arg(m_db);
    return p + QLatin1Char('>');
}

QString ConsoleView::transcript() const {
    return m_transcript->toPlainText();
}

void ConsoleView::append(const QString &text, const QColor &colour) {
    QTextCursor cursor(m_transcript->document());
    cursor.movePosition(QTextCursor::End);
    if (!m_transcript->document()->isEmpty())
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat());
    QTextCharFormat format;
    if (colour.isValid())
        format.setForeground(colour);
    cursor.insertText(text, format);
    m_transcript->verticalScrollBar()->setValue(m_transcript->verticalScrollBar()->maximum());
}

void ConsoleView::runCommand(const QString &line) {
    if (!m_runner)
        return;
    if (m_request != 0) {
        m_status->setText(tr("A command is running: wait for it, or Cancel it."));
        return;
    }
    const QString trimmed = line.trimmed();
    if (trimmed.isEmpty())
        return;
    if (m_history.isEmpty() || m_history.last() != trimmed) {
        m_history << trimmed;
        if (m_history.size() > maxHistory)
            m_history.removeFirst();
    }
    m_historyPos = int(m_history.size());
    m_draft.clear();
    m_status->clear();
    if (trimmed.compare(QLatin1String("clear"), Qt::CaseInsensitive) == 0) {
        m_transcript->clear();
        Q_EMIT commandFinished();
        return;
    }
    append(prompt() + QLatin1Char(' ') + trimmed);
    auto args = splitCommandLine(trimmed);
    if (!args.ok()) {
        append(QStringLiteral("(error) ") + args.error().message, toneColour(Tone::Critical));
        Q_EMIT commandFinished();
        return;
    }
    const QString refusal = consoleRefusal(args.value());
    if (!refusal.isEmpty()) {
        append(QStringLiteral("(refused) ") + refusal, toneColour(Tone::Critical));
        Q_EMIT commandFinished();
        return;
    }
    m_request = m_runner->run(args.value(), consoleTimeoutMs(args.value(), m_timeoutMs));
    m_status->setText(tr("Running %1 ... (Cancel or Esc to stop waiting)")
                          .arg(QString::fromUtf8(args->first().toUpper())));
    updateState();
}

void ConsoleView::submit() {
    const QString line = m_input->text();
    if (m_request != 0) {
        m_status->setText(tr("A command is running: wait for it, or Cancel it."));
        return;
    }
    m_completer->popup()->hide();
    m_input->clear();
    runCommand(line);
}

void ConsoleView::cancel() {
    if (m_runner && m_request != 0)
        m_runner->cancel(m_request);
}

void ConsoleView::onReply(const ConsoleReply &reply) {
    if (reply.request != m_request)
        return;
    m_request = 0;
    m_db = reply.db;
    m_status->clear();
    switch (reply.outcome) {
    case ConsoleReply::Outcome::Reply:
        append(reply.text);
        break;
    case ConsoleReply::Outcome::ServerError:
    case ConsoleReply::Outcome::Failed:
    case ConsoleReply::Outcome::TimedOut:
        append(reply.text, toneColour(Tone::Critical));
        break;
    case ConsoleReply::Outcome::Cancelled:
        append(reply.text, toneColour(Tone::Warning));
        break;
    }
    if (reply.truncated)
        append(tr("(The console shows at most %1 of a reply: narrow the command, e.g. with "
                  "COUNT, or use the Browse tab for a stream's history.)")
                   .arg(countOf(m_limits.maxLines, "line", "lines")),
               toneColour(Tone::Muted));
    updateState();
    Q_EMIT commandFinished();
}

void ConsoleView::onCommandNames(const QStringList &names, const QString &error) {
    if (names.isEmpty()) {
        m_completer->popup()->setToolTip(
            tr("Common command names: the server's list could not be read (%1)").arg(error));
        return;
    }
    m_names->setStringList(names);
    Q_EMIT commandNamesChanged();
}

void ConsoleView::historyStep(int delta) {
    if (m_history.isEmpty())
        return;
    const int pos = qBound(0, m_historyPos + delta, int(m_history.size()));
    if (pos == m_historyPos)
        return;
    if (m_historyPos == m_history.size())
        m_draft = m_input->text();
    m_historyPos = pos;
    m_input->setText(pos == m_history.size() ? m_draft : m_history.at(pos));
}

void ConsoleView::completeFirstWord() {
    const QString text = m_input->text();
    if (text.trimmed().isEmpty() || text.contains(QLatin1Char(' ')))
        return;
    m_completer->setCompletionPrefix(text);
    const int count = m_completer->completionCount();
    if (count == 1) {
        m_input->setText(m_completer->currentCompletion() + QLatin1Char(' '));
        m_completer->popup()->hide();
        return;
    }
    if (count > 1) {
        // As a shell does: the part all candidates share, then the list.
        QString common = m_completer->currentCompletion();
        for (int i = 1; m_completer->setCurrentRow(i); ++i) {
            const QString other = m_completer->currentCompletion();
            int n = 0;
            while (n < common.size() && n < other.size()
                   && common.at(n).toUpper() == other.at(n).toUpper())
                ++n;
            common.truncate(n);
        }
        if (common.size() > text.size())
            m_input->setText(common);
        m_completer->setCompletionPrefix(m_input->text());
        m_completer->complete();
    }
}

bool ConsoleView::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_completer->popup() && event->type() == QEvent::KeyPress
        && static_cast<QKeyEvent *>(event)->key() == Qt::Key_Tab) {
        const QModelIndex current = m_completer->popup()->currentIndex();
        if (current.isValid()) {
            m_input->setText(current.data().toString() + QLatin1Char(' '));
            m_completer->popup()->hide();
        } else {
            completeFirstWord();
        }
        return true;
    }
    if (watched == m_input && event->type() == QEvent::KeyPress) {
        auto *key = static_cast<QKeyEvent *>(event);
        const bool popup = m_completer->popup()->isVisible();
        switch (key->key()) {
        case Qt::Key_Up:
            if (popup)
                break;
            historyStep(-1);
            return true;
        case Qt::Key_Down:
            if (popup)
                break;
            historyStep(+1);
            return true;
        case Qt::Key_Tab:
            completeFirstWord();
            return true;
        case Qt::Key_Escape:
            if (popup || m_request == 0)
                break;
            cancel();
            return true;
        default:
            break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace streamscope
