#pragma once

#include "ConnectionSettings.h"
#include "Replay.h"

#include <QDialog>

#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace streamscope {

// File > Replay a capture...: the GUI's `streamscope-cli replay`. Pick a capture (JSON Lines from
// tail or export); the dialog shows what it holds (entries per stream, time span, read on a
// background thread), a target per stream (the mapping: each stream keeps its name unless
// another is typed), the speed, --since/--until and whether to append to streams that hold
// entries. The replay runs on its own thread with its own connection (it takes minutes; the
// window's workers stay free), with a progress bar, Pause/Resume and Cancel. In read-only mode it
// is refused with the reason, and nothing can be started.
class ReplayDialog : public QDialog {
    Q_OBJECT
public:
    ReplayDialog(streamscope::ConnectionSettings settings, bool readOnly,
                 QWidget *parent = nullptr);
    ~ReplayDialog() override;

    // Reads the file's summary in the background (captureChecked() when known).
    void loadFile(const QString &path);
    // Starts the replay; false (with the reason shown) when nothing was started.
    bool start();
    void pause();
    void resume();
    void cancel();
    bool isChecking() const { return m_checking > 0; }
    bool isRunning() const { return bool(m_job); }

    // What the file holds, once read; the table's targets.
    const std::optional<CaptureSummary> &capture() const { return m_capture; }
    void setTarget(const QByteArray &stream, const QString &target);
    // The options the form describes, or the reason it cannot.
    Result<ReplayOptions> options() const;
    const std::optional<ReplaySummary> &summary() const { return m_summary; }

    QString summaryText() const;
    QString messageText() const;
    QLineEdit *pathEdit() const { return m_path; }
    QComboBox *speedBox() const { return m_speed; }
    QLineEdit *sinceEdit() const { return m_since; }
    QLineEdit *untilEdit() const { return m_until; }
    QCheckBox *appendBox() const { return m_append; }
    QTableWidget *streamTable() const { return m_streams; }
    QProgressBar *progressBar() const { return m_progress; }
    QPushButton *startButton() const { return m_start; }
    QPushButton *pauseButton() const { return m_pause; }

Q_SIGNALS:
    void captureChecked();
    void replayed(const streamscope::ReplaySummary &summary);

protected:
    void reject() override;

private:
    void checkFile();
    void onChecked(const QString &path, const Result<CaptureSummary> &result);
    void onProgress(const ReplayProgress &progress);
    void onDone(const ReplaySummary &summary);
    void setMessage(const QString &text, bool error);
    void updateButtons();
    void updateSummaryLabel();

    ConnectionSettings m_settings;
    bool m_readOnly;
    std::optional<CaptureSummary> m_capture;
    QString m_checkedPath;
    std::optional<ReplaySummary> m_summary;
    std::unique_ptr<ReplayThread> m_job;
    int m_checking = 0;
    int m_checkGeneration = 0;

    QLabel *m_readOnlyNote;
    QLineEdit *m_path;
    QLabel *m_summaryLabel;
    QTableWidget *m_streams;
    QComboBox *m_speed;
    QLineEdit *m_since;
    QLineEdit *m_until;
    QCheckBox *m_append;
    QProgressBar *m_progress;
    QLabel *m_message;
    QPushButton *m_start;
    QPushButton *m_pause;
    QPushButton *m_close;
};

} // namespace streamscope
