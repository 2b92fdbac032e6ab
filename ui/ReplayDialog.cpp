#include "ReplayDialog.h"

#include "Palette.h"
#include "ValueFormat.h"
#include "Wording.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDate>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace streamscope {

namespace {

// The background check's answer, by value.
struct CheckAnswer {
    std::optional<CaptureSummary> capture;
    QString error;
};

CheckAnswer checkFileNow(const QString &path, const ReplayOptions &options) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {std::nullopt, QStringLiteral("Cannot read %1: %2").arg(path, file.errorString())};
    auto capture = checkCapture(&file, options);
    if (!capture.ok())
        return {std::nullopt, QStringLiteral("%1: %2").arg(path, capture.error().message)};
    return {capture.value(), QString()};
}

QString streamText(const QByteArray &name) {
    if (name.isEmpty())
        return QStringLiteral("(no stream)");
    return valueformat::isUtf8(name) ? QString::fromUtf8(name) : valueformat::displayText(name);
}

QString idTime(const std::optional<StreamId> &id) {
    return id ? id->timeText(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")) : QString();
}

// The core's refusals name the CLI's options; here they are the dialog's controls.
QString guiWording(QString text) {
    text.replace(QStringLiteral("unless --append is given (or choose another target with --to or "
                                "--map)"),
                 QStringLiteral("unless \"Append to target streams that already hold entries\" "
                                "is ticked (or double-click \"Replay to\" and type a new stream)"));
    text.replace(QStringLiteral("(map its entries elsewhere with --to or --map)"),
                 QStringLiteral("(double-click \"Replay to\" and type another stream)"));
    return text;
}

enum Column { SourceColumn, EntriesColumn, FirstColumn, LastColumn, TargetColumn, Columns };

} // namespace

ReplayDialog::ReplayDialog(ConnectionSettings settings, bool readOnly, QWidget *parent)
    : QDialog(parent)
    , m_settings(std::move(settings))
    , m_readOnly(readOnly || m_settings.readOnlyNow()) {
    if (m_readOnly)
        m_settings.readOnly = true; // the engine refuses too
    setWindowTitle(tr("Replay a capture"));
    auto *layout = new QVBoxLayout(this);

    m_readOnlyNote = new QLabel(
        tr("Read-only mode: a replay appends entries (XADD), so it is refused and nothing can be "
           "sent. Connect without read-only mode to replay a capture."),
        this);
    m_readOnlyNote->setWordWrap(true);
    m_readOnlyNote->setStyleSheet(toneStyle(Tone::Warning));
    m_readOnlyNote->setVisible(m_readOnly);
    layout->addWidget(m_readOnlyNote);

    auto *form = new QFormLayout;
    auto *fileRow = new QHBoxLayout;
    m_path = new QLineEdit(this);
    m_path->setPlaceholderText(tr("A JSON Lines capture from tail --format jsonl or export"));
    auto *browse = new QPushButton(tr("Browse…"), this);
    fileRow->addWidget(m_path, 1);
    fileRow->addWidget(browse);
    form->addRow(tr("Capture:"), fileRow);
    m_summaryLabel = new QLabel(tr("No file chosen."), this);
    m_summaryLabel->setWordWrap(true);
    m_summaryLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(QString(), m_summaryLabel);
    layout->addLayout(form);

    m_streams = new QTableWidget(0, Columns, this);
    m_streams->setHorizontalHeaderLabels({tr("Stream"), tr("Entries"), tr("First"), tr("Last"),
                                          tr("Replay to (double-click to change)")});
    m_streams->horizontalHeader()->setStretchLastSection(true);
    m_streams->verticalHeader()->hide();
    m_streams->setToolTip(tr("Each stream's entries go to the stream named under \"Replay to\" "
                             "(its own name unless you type another)."));
    layout->addWidget(m_streams, 1);

    auto *options = new QFormLayout;
    m_speed = new QComboBox(this);
    m_speed->setEditable(true);
    m_speed->addItems({QStringLiteral("1x"), QStringLiteral("10x"), QStringLiteral("100x"),
                       QStringLiteral("max")});
    m_speed->setToolTip(tr("The original pace (1x), faster (10x, or any factor such as 2.5x), or "
                           "max: as fast as the server takes them."));
    options->addRow(tr("Speed:"), m_speed);
    m_since = new QLineEdit(this);
    m_since->setPlaceholderText(tr("ID or time, e.g. 14:05 (empty: the first entry)"));
    options->addRow(tr("Since:"), m_since);
    m_until = new QLineEdit(this);
    m_until->setPlaceholderText(tr("ID or time, e.g. 14:10 (empty: the last entry)"));
    options->addRow(tr("Until:"), m_until);
    m_append = new QCheckBox(tr("Append to target streams that already hold entries"), this);
    options->addRow(QString(), m_append);
    layout->addLayout(options);

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    layout->addWidget(m_progress);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);

    auto *buttons = new QDialogButtonBox(this);
    m_start = buttons->addButton(tr("Replay"), QDialogButtonBox::AcceptRole);
    m_pause = buttons->addButton(tr("Pause"), QDialogButtonBox::ActionRole);
    m_close = buttons->addButton(QDialogButtonBox::Close);
    layout->addWidget(buttons);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Replay a capture"), m_path->text(),
                                         tr("JSON Lines (*.jsonl *.json *.ndjson);;All files (*)"));
        if (!path.isEmpty())
            loadFile(path);
    });
    connect(m_path, &QLineEdit::editingFinished, this, [this] {
        if (m_path->text() != m_checkedPath)
            checkFile();
    });
    connect(m_speed, &QComboBox::currentTextChanged, this, &ReplayDialog::updateSummaryLabel);
    connect(m_since, &QLineEdit::editingFinished, this, &ReplayDialog::checkFile);
    connect(m_until, &QLineEdit::editingFinished, this, &ReplayDialog::checkFile);
    connect(m_start, &QPushButton::clicked, this, [this] { start(); });
    connect(m_pause, &QPushButton::clicked, this, [this] {
        if (m_job && m_job->job()->isPaused())
            resume();
        else
            pause();
    });
    connect(m_close, &QPushButton::clicked, this, &ReplayDialog::reject);
    if (m_readOnly)
        setMessage(tr("Refused in read-only mode: a replay appends entries (XADD)."), true);
    updateButtons();
    resize(760, 520);
}

ReplayDialog::~ReplayDialog() {
    if (m_job)
        m_job->stopInBackground();
}

void ReplayDialog::loadFile(const QString &path) {
    m_path->setText(path);
    checkFile();
}

void ReplayDialog::checkFile() {
    const QString path = m_path->text().trimmed();
    if (path.isEmpty() || m_job)
        return;
    ReplayOptions checkOptions;
    const QDate today = QDate::currentDate();
    if (!m_since->text().trimmed().isEmpty()) {
        auto since = parseReplaySince(m_since->text(), today);
        if (!since.ok()) {
            setMessage(since.error().message, true);
            return;
        }
        checkOptions.since = since.value();
    }
    if (!m_until->text().trimmed().isEmpty()) {
        auto until = parseReplayUntil(m_until->text(), today);
        if (!until.ok()) {
            setMessage(until.error().message, true);
            return;
        }
        checkOptions.until = until.value();
    }
    // A capture without stream names needs a target: read it as if one were given.
    checkOptions.to = QByteArray();
    const int generation = ++m_checkGeneration;
    ++m_checking;
    m_summaryLabel->setText(tr("Reading %1…").arg(path));
    updateButtons();
    auto *watcher = new QFutureWatcher<CheckAnswer>(this);
    connect(watcher, &QFutureWatcher<CheckAnswer>::finished, this,
            [this, watcher, path, generation] {
                watcher->deleteLater();
                --m_checking;
                const CheckAnswer answer = watcher->result();
                if (generation == m_checkGeneration) {
                    if (answer.capture)
                        onChecked(path, *answer.capture);
                    else
                        onChecked(path, Error(Error::Kind::InvalidArgument, answer.error));
                }
                updateButtons();
                Q_EMIT captureChecked();
            });
    watcher->setFuture(QtConcurrent::run(checkFileNow, path, checkOptions));
}

void ReplayDialog::onChecked(const QString &path, const Result<CaptureSummary> &result) {
    // Targets typed so far stay (by source stream).
    QHash<QByteArray, QString> typed;
    for (int row = 0; row < m_streams->rowCount(); ++row)
        typed.insert(m_streams->item(row, SourceColumn)->data(Qt::UserRole).toByteArray(),
                     m_streams->item(row, TargetColumn)->text());
    m_streams->setRowCount(0);
    if (!result.ok()) {
        m_capture.reset();
        m_checkedPath.clear();
        m_summaryLabel->setText(QString());
        setMessage(result.error().message + tr(". Nothing can be replayed from this file."), true);
        return;
    }
    m_capture = result.value();
    m_checkedPath = path;
    updateSummaryLabel();
    for (const CaptureStream &s : m_capture->streams) {
        const int row = m_streams->rowCount();
        m_streams->insertRow(row);
        auto *source = new QTableWidgetItem(streamText(s.name));
        source->setData(Qt::UserRole, s.name);
        source->setFlags(source->flags() & ~Qt::ItemIsEditable);
        m_streams->setItem(row, SourceColumn, source);
        auto *count = new QTableWidgetItem(
            s.selected == s.entries
                ? formatCount(s.entries)
                : tr("%1 of %2").arg(formatCount(s.selected), formatCount(s.entries)));
        count->setFlags(count->flags() & ~Qt::ItemIsEditable);
        count->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_streams->setItem(row, EntriesColumn, count);
        for (int column : {FirstColumn, LastColumn}) {
            auto *time = new QTableWidgetItem(idTime(column == FirstColumn ? s.first : s.last));
            time->setFlags(time->flags() & ~Qt::ItemIsEditable);
            m_streams->setItem(row, column, time);
        }
        m_streams->setItem(row, TargetColumn,
                           new QTableWidgetItem(typed.value(s.name, QString::fromUtf8(s.name))));
    }
    m_streams->resizeColumnsToContents();
    // The target takes the rest of the row: a typed name is not wrapped in a narrow cell.
    m_streams->horizontalHeader()->setSectionResizeMode(TargetColumn, QHeaderView::Stretch);
    if (m_readOnly)
        setMessage(tr("Refused in read-only mode: a replay appends entries (XADD)."), true);
    else if (m_capture->selected == 0)
        setMessage(tr("None of its entries is within Since/Until: nothing to replay."), true);
    else
        setMessage(QString(), false);
}

void ReplayDialog::updateSummaryLabel() {
    if (!m_capture)
        return;
    QString text = m_capture->describe();
    if (m_capture->outOfOrder > 0)
        text += tr("; %1 earlier than an entry before them (sent as soon as their turn comes)")
                    .arg(countOf(m_capture->outOfOrder, "entry is", "entries are"));
    const auto speed = parseReplaySpeed(m_speed->currentText());
    if (!speed.ok())
        text += tr(". Speed: \"%1\" is neither a positive factor (1x, 10x, 2.5x) nor max.")
                    .arg(m_speed->currentText());
    else if (speed.value() > 0)
        text += tr(". At %1 it takes about %2.")
                    .arg(describeSpeed(speed.value()),
                         formatDuration(m_capture->durationMsAt(speed.value())));
    else
        text += tr(". At max speed: as fast as the server takes them.");
    m_summaryLabel->setText(text);
}

void ReplayDialog::setTarget(const QByteArray &stream, const QString &target) {
    for (int row = 0; row < m_streams->rowCount(); ++row)
        if (m_streams->item(row, SourceColumn)->data(Qt::UserRole).toByteArray() == stream)
            m_streams->item(row, TargetColumn)->setText(target);
}

Result<ReplayOptions> ReplayDialog::options() const {
    ReplayOptions options;
    auto speed = parseReplaySpeed(m_speed->currentText());
    if (!speed.ok())
        return Error(Error::Kind::InvalidArgument,
                     tr("Speed: \"%1\" is neither a positive factor (1x, 10x, 2.5x) nor max")
                         .arg(m_speed->currentText()));
    options.speed = speed.value();
    const QDate today = QDate::currentDate();
    if (!m_since->text().trimmed().isEmpty()) {
        auto since = parseReplaySince(m_since->text(), today);
        if (!since.ok())
            return since.error();
        options.since = since.value();
    }
    if (!m_until->text().trimmed().isEmpty()) {
        auto until = parseReplayUntil(m_until->text(), today);
        if (!until.ok())
            return until.error();
        options.until = until.value();
    }
    if (options.since && options.until && *options.until < *options.since)
        return Error(Error::Kind::InvalidArgument,
                     tr("Until is earlier than Since: nothing to replay."));
    for (int row = 0; row < m_streams->rowCount(); ++row) {
        const QByteArray from =
            m_streams->item(row, SourceColumn)->data(Qt::UserRole).toByteArray();
        const QByteArray to = m_streams->item(row, TargetColumn)->text().trimmed().toUtf8();
        if (to.isEmpty())
            return Error(Error::Kind::InvalidArgument,
                         tr("Replay to: %1 has no target stream.").arg(streamText(from)));
        if (to != from)
            options.map.append({from, to});
    }
    options.append = m_append->isChecked();
    return options;
}

bool ReplayDialog::start() {
    if (m_job)
        return false;
    if (m_readOnly) {
        setMessage(tr("Refused in read-only mode: a replay appends entries (XADD), and nothing "
                      "was sent. Connect without read-only mode to replay a capture."),
                   true);
        return false;
    }
    if (!m_capture || m_checking > 0 || m_checkedPath != m_path->text().trimmed()) {
        setMessage(tr("Choose a capture first, and wait until it has been read."), true);
        return false;
    }
    auto options = this->options();
    if (!options.ok()) {
        setMessage(options.error().message, true);
        return false;
    }
    m_summary.reset();
    m_job = std::make_unique<ReplayThread>(m_checkedPath, m_settings, options.value());
    ReplayJob *job = m_job->job();
    connect(job, &ReplayJob::progress, this, &ReplayDialog::onProgress);
    connect(job, &ReplayJob::done, this, &ReplayDialog::onDone);
    m_progress->setRange(0, 0); // busy until the first progress says how many
    setMessage(tr("Checking the targets…"), false);
    m_job->start();
    updateButtons();
    return true;
}

void ReplayDialog::pause() {
    if (!m_job)
        return;
    m_job->job()->pause();
    setMessage(tr("Paused: the schedule waits, and resumes where it stopped (no burst)."), false);
    updateButtons();
}

void ReplayDialog::resume() {
    if (!m_job)
        return;
    m_job->job()->resume();
    setMessage(tr("Resumed."), false);
    updateButtons();
}

void ReplayDialog::cancel() {
    if (m_job)
        m_job->job()->requestStop();
}

void ReplayDialog::reject() {
    if (m_job) { // the first Close cancels; the summary then says what was sent
        cancel();
        setMessage(tr("Cancelling after the pipeline in flight…"), false);
        return;
    }
    QDialog::reject();
}

void ReplayDialog::onProgress(const ReplayProgress &progress) {
    if (progress.total > 0) {
        m_progress->setRange(0, int(qMin<qint64>(progress.total, 1000000000)));
        m_progress->setValue(int(qMin(progress.sent, progress.total)));
    }
    QString text =
        tr("%1 of %2 sent")
            .arg(formatCount(progress.sent), countOf(progress.total, "entry", "entries"));
    if (progress.paced)
        text += tr(", %1 behind schedule").arg(formatDuration(progress.behindMs));
    if (progress.paused)
        text += tr(" (paused)");
    setMessage(text, false);
}

void ReplayDialog::onDone(const ReplaySummary &summary) {
    m_summary = summary;
    if (m_job) {
        m_job->stop(); // it has finished: returns at once
        m_job.reset();
    }
    if (summary.started && summary.total > 0) {
        m_progress->setRange(0, int(qMin<qint64>(summary.total, 1000000000)));
        m_progress->setValue(int(qMin(summary.sent, summary.total)));
    } else {
        m_progress->setRange(0, 1);
        m_progress->setValue(0);
    }
    QString text = summary.started ? summary.describe() : QString();
    if (summary.error)
        text = guiWording(summary.error.message)
               + (text.isEmpty() ? QString() : QStringLiteral("\n") + text);
    else if (summary.cancelled && !summary.started)
        text = tr("Cancelled before anything was sent.");
    setMessage(text, bool(summary.error));
    updateButtons();
    Q_EMIT replayed(summary);
}

void ReplayDialog::setMessage(const QString &text, bool error) {
    m_message->setText(text);
    m_message->setStyleSheet(error ? toneStyle(Tone::Critical) : QString());
}

void ReplayDialog::updateButtons() {
    const bool running = bool(m_job);
    m_start->setEnabled(!m_readOnly && !running && m_capture && m_checking == 0
                        && m_capture->selected > 0);
    m_pause->setEnabled(running);
    m_pause->setText(running && m_job->job()->isPaused() ? tr("Resume") : tr("Pause"));
    m_close->setText(running ? tr("Cancel") : tr("Close"));
    m_path->setEnabled(!running);
    m_speed->setEnabled(!running);
    m_since->setEnabled(!running);
    m_until->setEnabled(!running);
    m_append->setEnabled(!running);
    m_streams->setEnabled(!running);
}

QString ReplayDialog::summaryText() const {
    QStringList lines{m_summaryLabel->text()};
    for (int row = 0; row < m_streams->rowCount(); ++row) {
        QStringList cells;
        for (int column = 0; column < Columns; ++column)
            cells << m_streams->item(row, column)->text();
        lines << cells.join(QStringLiteral(" | "));
    }
    return lines.join(QLatin1Char('\n'));
}

QString ReplayDialog::messageText() const {
    return m_message->text();
}

} // namespace streamscope
