#pragma once

#include "ConnectionSettings.h"
#include "Export.h"

#include <QDialog>

#include <functional>
#include <memory>
#include <optional>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QRadioButton;

namespace streamscope {

// What the caller can offer to export.
struct ExportChoices {
    StreamEntryList loaded;   // the browser's loaded entries
    StreamEntryList selected; // and its selection
    QByteArray stream;        // a range of this stream (empty: no range choice)
    QByteArray group;         // this group's pending list (empty: no pending choice)
    // The loaded entries the browser's filter keeps (empty: no filter). Last, and initialised,
    // so brace-initialised choices without it still compile cleanly.
    StreamEntryList matching = {};
};

// Export to JSON Lines or CSV: the loaded, matching (filtered) or selected entries, an ID or time
// range of a stream, or a group's pending list. Runs on its own thread with a progress bar and
// Cancel; the file is written whole or not at all (a temporary file renamed over it at the end),
// an existing file is replaced only after asking, and the end says exactly how many entries were
// written.
class ExportDialog : public QDialog {
    Q_OBJECT
public:
    ExportDialog(ExportChoices choices, std::optional<ConnectionSettings> settings,
                 QWidget *parent = nullptr);
    ~ExportDialog() override;

    enum class Choice { Loaded, Selected, Range, Pending, Matching };
    void choose(Choice choice);
    QLineEdit *fromEdit() const { return m_from; }
    QLineEdit *toEdit() const { return m_to; }
    QLineEdit *pathEdit() const { return m_path; }
    QComboBox *formatBox() const { return m_format; }
    // "Keep the export when entries vanish while it runs" (a range only).
    QCheckBox *allowGapsBox() const { return m_allowGaps; }
    // Page size and the after-page hook, for tests; allowGaps comes from the check box.
    void setExportOptions(const ExportOptions &options) { m_options = options; }
    // Validates and starts; false (with the reason shown) when nothing was started, also when the
    // file exists and confirmReplace() says no.
    bool start();
    // Asks before replacing an existing file; by default a dialog with "Replace file" and
    // Cancel. Tests replace it.
    std::function<bool(const QString &path)> confirmReplace;
    Choice choice() const;
    void cancel();
    bool isRunning() const { return bool(m_job); }
    QString messageText() const;
    const std::optional<ExportOutcome> &outcome() const { return m_outcome; }
    // The source the form describes, or the reason it cannot.
    Result<ExportSource> source() const;

Q_SIGNALS:
    void exported(const streamscope::ExportOutcome &outcome);

private:
    void onDone(const ExportOutcome &outcome);
    void setMessage(const QString &text, bool error);

    ExportChoices m_choices;
    std::optional<ConnectionSettings> m_settings;
    std::unique_ptr<ExportThread> m_job;
    std::optional<ExportOutcome> m_outcome;
    ExportOptions m_options;
    QButtonGroup *m_group;
    QCheckBox *m_allowGaps;
    QLineEdit *m_from;
    QLineEdit *m_to;
    QLineEdit *m_path;
    QComboBox *m_format;
    QProgressBar *m_progress;
    QLabel *m_message;
    QDialogButtonBox *m_buttons;
};

} // namespace streamscope
