#pragma once

#include "ConnectionSettings.h"
#include "Permissions.h"
#include "Publish.h"
#include "PublishJob.h"

#include <QWidget>

#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSettings;
class QSpinBox;
class QTabWidget;
class QTableWidget;

namespace streamscope {

class StreamEntry;

// The publish form: a stream (existing or new), field rows or a pasted JSON object, an optional
// explicit ID, MAXLEN/MINID trimming, templates (shipped and the user's own), placeholders
// filled at send time, and repeat: N entries at R per second with progress and a stop button.
// Problems are shown next to their input and nothing is sent; server errors are shown as the
// server said them, with what to do. Disabled in read-only mode.
class PublishView : public QWidget {
    Q_OBJECT
public:
    explicit PublishView(QWidget *parent = nullptr);
    ~PublishView() override;

    // No settings: not connected. Read-only connections cannot publish.
    void setConnection(const std::optional<ConnectionSettings> &settings);
    // Disables publishing when the ACL user may not run XADD, with the reason as the tooltip.
    void setPermissions(const Permissions &permissions);
    // Read-only mode changed in place (the connection consults its switch): the form follows.
    void setReadOnly(bool readOnly);
    void setStreams(const QList<QByteArray> &streams);
    // The user's templates live here (QSettings group "publishTemplates").
    void setTemplateStore(QSettings *settings);
    // Fills the form from an entry (the browser's "Copy to publish form").
    void loadEntry(const StreamEntry &entry);
    void loadTemplate(const PublishTemplate &t);
    bool loadTemplate(const QString &name); // false: no template of that name

    // The form as a request; a JSON parse problem is returned in *problems.
    PublishRequest request(PublishProblems *problems) const;
    // Validates and, when all is well, starts sending. False when nothing was started.
    bool send();
    void stop();
    bool isSending() const { return bool(m_job); }
    bool saveTemplate(const QString &name);
    QList<PublishTemplate> templates() const;

    // For tests and the window.
    QComboBox *streamBox() const { return m_stream; }
    QTableWidget *fieldTable() const { return m_fields; }
    QPlainTextEdit *jsonEdit() const { return m_json; }
    QTabWidget *fieldTabs() const { return m_fieldTabs; }
    QLineEdit *idEdit() const { return m_id; }
    QComboBox *trimBox() const { return m_trim; }
    QLineEdit *trimEdit() const { return m_trimValue; }
    QCheckBox *approximateBox() const { return m_approximate; }
    QSpinBox *countBox() const { return m_count; }
    QDoubleSpinBox *rateBox() const { return m_rate; }
    QPushButton *sendButton() const { return m_send; }
    QProgressBar *progressBar() const { return m_progress; }
    QString problemText() const;
    QString resultText() const;
    const PublishProblems &problems() const { return m_problems; }
    const std::optional<PublishJob::Outcome> &lastOutcome() const { return m_outcome; }

Q_SIGNALS:
    void finished(const streamscope::PublishJob::Outcome &outcome);

private:
    void buildUi();
    void showProblems(const PublishProblems &problems);
    void onDone(const PublishJob::Outcome &outcome);
    void setFields(const FieldList &fields);
    void updateEnabled();
    void reloadTemplates();

    std::optional<ConnectionSettings> m_settings;
    std::unique_ptr<PublishThread> m_job;
    std::optional<PublishJob::Outcome> m_outcome;
    PublishProblems m_problems;
    QSettings *m_store = nullptr;
    QList<PublishTemplate> m_templates;

    QComboBox *m_template;
    QComboBox *m_stream;
    QTabWidget *m_fieldTabs;
    QTableWidget *m_fields;
    QPlainTextEdit *m_json;
    QLineEdit *m_id;
    QComboBox *m_trim;
    QLineEdit *m_trimValue;
    QCheckBox *m_approximate;
    QSpinBox *m_count;
    QDoubleSpinBox *m_rate;
    QPushButton *m_send;
    QPushButton *m_stop;
    QProgressBar *m_progress;
    QLabel *m_problemsLabel;
    QLabel *m_result;
    QLabel *m_readOnlyNote;
    Permissions m_permissions;
};

} // namespace streamscope
